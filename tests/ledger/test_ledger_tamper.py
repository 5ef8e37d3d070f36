"""Each tampering made in the stored database is detected and located."""

from __future__ import annotations

import json
from pathlib import Path

import ledger_tamper as tamper
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from perisai.cli.main import cli
from perisai.ledger import Ledger, VerifyReport
from perisai.ledger.checkpoints import CheckpointSigner, generate_key_pair
from perisai.storage.db import Database


def kinds_at(report: VerifyReport) -> set[tuple[int, str]]:
    return {(p.seq, p.kind) for p in report.problems}


def test_untouched_ledger_verifies(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    report = ledger.verify()
    assert report.ok, report.problems
    assert report.entries_checked == 30
    assert report.head_seq == 30


def test_edit_payload_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.edit_payload(ledger, 17)
    report = ledger.verify()
    assert not report.ok
    assert kinds_at(report) == {(17, "edited")}
    assert "entry 17: hash does not match its contents" in report.problems[0].message


@pytest.mark.parametrize(
    ("column", "value"),
    [("kind", "case.action"), ("created_at", "2020-01-01T00:00:00.000000Z"), ("subject_id", "x")],
)
def test_edit_other_fields_is_located(ledger: Ledger, column: str, value: str) -> None:
    tamper.fill(ledger, 12)
    tamper.edit_column(ledger, 5, column, value)
    assert kinds_at(ledger.verify()) == {(5, "edited")}


def test_edit_with_recomputed_hash_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.edit_payload(ledger, 9, recompute_hash=True)
    report = ledger.verify()
    assert kinds_at(report) == {(9, "edited")}
    assert "entry 10 no longer links to it" in report.problems[0].message


def test_delete_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.delete(ledger, 11)
    report = ledger.verify()
    assert kinds_at(report) == {(11, "deleted")}
    assert "entry 11 missing" in report.problems[0].message


def test_delete_first_entry_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 5)
    tamper.delete(ledger, 1)
    assert kinds_at(ledger.verify()) == {(1, "deleted")}


def test_delete_with_renumbering_is_one_problem(ledger: Ledger) -> None:
    tamper.fill(ledger, 40)
    tamper.delete(ledger, 11, renumber=True)
    report = ledger.verify()
    assert kinds_at(report) == {(11, "deleted")}
    assert "renumbered" in report.problems[0].message


def test_insert_with_renumbering_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.insert(ledger, 14)
    report = ledger.verify()
    assert kinds_at(report) == {(14, "inserted")}
    assert "entry 14: not part of the original chain" in report.problems[0].message


def test_insert_at_start_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 6)
    tamper.insert(ledger, 1)
    assert kinds_at(ledger.verify()) == {(1, "inserted")}


def test_adjacent_swap_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.swap(ledger, 20, 21)
    assert kinds_at(ledger.verify()) == {(20, "reordered"), (21, "reordered")}


def test_distant_swap_is_located(ledger: Ledger) -> None:
    tamper.fill(ledger, 600)
    tamper.swap(ledger, 3, 550)
    report = ledger.verify()
    assert kinds_at(report) == {(3, "reordered"), (550, "reordered")}
    assert "written as entry 550" in report.problems[0].message


def test_truncation_caught_by_head_row(ledger: Ledger) -> None:
    tamper.fill(ledger, 30)
    tamper.truncate(ledger, 25, fix_head=False)
    report = ledger.verify()
    assert kinds_at(report) == {(26, "truncated")}
    assert "entries after 25 are missing" in report.problems[0].message


def test_truncation_caught_by_signed_checkpoint(db: Database, tmp_path: Path) -> None:
    signer = _signer(tmp_path)
    ledger = Ledger(db, signer=signer, checkpoint_every=10)
    tamper.fill(ledger, 30)
    assert [c.seq for c in ledger.checkpoints()] == [10, 20, 30]
    tamper.truncate(ledger, 22, fix_head=True)
    report = ledger.verify()
    assert kinds_at(report) == {(23, "truncated")}
    assert "covers entries up to 30" in report.problems[0].message


def test_truncation_after_last_checkpoint_needs_an_anchor(ledger: Ledger) -> None:
    """The documented limit: with no checkpoint beyond the cut and the head row
    rewound too, a cut tail is indistinguishable from a shorter ledger."""
    tamper.fill(ledger, 30)
    tamper.truncate(ledger, 25, fix_head=True)
    assert ledger.verify().ok


def test_rewritten_chain_caught_by_checkpoint(db: Database, tmp_path: Path) -> None:
    ledger = Ledger(db, signer=_signer(tmp_path), checkpoint_every=10)
    tamper.fill(ledger, 35)
    tamper.rewrite_from(ledger, 13)
    report = ledger.verify()
    assert not report.ok
    assert {p.kind for p in report.problems} == {"edited"}
    assert report.problems[0].seq == 20
    assert "entries 11–20 were changed and the chain recomputed" in report.problems[0].message


def test_bad_checkpoint_signature(db: Database, tmp_path: Path) -> None:
    ledger = Ledger(db, signer=_signer(tmp_path), checkpoint_every=10)
    tamper.fill(ledger, 20)
    with ledger.db.begin() as conn:
        sig = str(
            conn.execute(text("SELECT signature FROM ledger_checkpoints WHERE seq = 10")).scalar()
        )
        flipped = ("0" if sig[0] != "0" else "1") + sig[1:]
        conn.execute(
            text("UPDATE ledger_checkpoints SET signature = :s WHERE seq = 10"), {"s": flipped}
        )
    report = ledger.verify()
    assert kinds_at(report) == {(10, "bad_signature")}
    other = CheckpointSigner.from_pem_file(_keyfile(tmp_path, "other"))
    report = ledger.verify(public_keys=[other.public_key])
    assert kinds_at(report) == {(10, "bad_signature"), (20, "bad_signature")}


def _keyfile(tmp_path: Path, name: str = "ledger") -> Path:
    path = tmp_path / f"{name}.pem"
    if not path.exists():
        generate_key_pair(path)
    return path


def _signer(tmp_path: Path) -> CheckpointSigner:
    return CheckpointSigner.from_pem_file(_keyfile(tmp_path))


TAMPERINGS = {
    "edit": (lambda lg: tamper.edit_payload(lg, 7), "entry 7: hash does not match"),
    "delete": (lambda lg: tamper.delete(lg, 7), "entry 7 missing"),
    "insert": (lambda lg: tamper.insert(lg, 7), "entry 7: not part of the original chain"),
    "reorder": (lambda lg: tamper.swap(lg, 7, 8), "entry 7: out of order"),
    "truncate": (lambda lg: tamper.truncate(lg, 9, fix_head=False), "entries after 9 are missing"),
}


@pytest.mark.parametrize("name", sorted(TAMPERINGS))
def test_cli_verify_reports_each_tampering(
    db_url: str, ledger: Ledger, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("PERISAI_DATABASE_URL", db_url)
    monkeypatch.delenv("PERISAI_LEDGER_KEY", raising=False)
    tamper.fill(ledger, 12)
    runner = CliRunner()
    clean = runner.invoke(cli, ["ledger", "verify"])
    assert clean.exit_code == 0, clean.output
    assert "ok: 12 entries" in clean.output

    do, expected = TAMPERINGS[name]
    do(ledger)
    result = runner.invoke(cli, ["ledger", "verify"])
    assert result.exit_code == 1, result.output
    assert expected in result.output
    assert "TAMPERED" in result.output

    as_json = runner.invoke(cli, ["ledger", "verify", "--json"])
    assert as_json.exit_code == 1
    report = json.loads(as_json.output)
    assert report["ok"] is False and report["problems"]


def test_large_renumbered_deletion_is_one_problem(ledger: Ledger) -> None:
    tamper.fill(ledger, 1500)
    with ledger.db.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq BETWEEN 200 AND 999"))
        conn.execute(text("UPDATE ledger_entries SET seq = -(seq - 800) WHERE seq >= 1000"))
        conn.execute(text("UPDATE ledger_entries SET seq = -seq WHERE seq < 0"))
    report = ledger.verify()
    assert kinds_at(report) == {(200, "deleted")}
    assert "800 entries missing before it" in report.problems[0].message
