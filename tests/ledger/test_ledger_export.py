"""Export for auditors and offline verification of the file alone."""

from __future__ import annotations

import io
import json
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import ledger_tamper as tamper
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from perisai.cli.main import cli
from perisai.ledger import Ledger
from perisai.ledger.checkpoints import CheckpointSigner, generate_key_pair, load_public_key
from perisai.ledger.export import ExportFormatError, export_ledger, verify_export
from perisai.storage.db import Database


@pytest.fixture
def signed(db: Database, tmp_path: Path) -> tuple[Ledger, str]:
    public = generate_key_pair(tmp_path / "ledger.pem")
    ledger = Ledger(
        db, signer=CheckpointSigner.from_pem_file(tmp_path / "ledger.pem"), checkpoint_every=10
    )
    tamper.fill(ledger, 25)
    return ledger, public


def _export(ledger: Ledger, since: datetime | None = None) -> list[str]:
    buf = io.StringIO()
    export_ledger(ledger, buf, since)
    return buf.getvalue().splitlines(keepends=True)


def test_export_verifies_offline(signed: tuple[Ledger, str]) -> None:
    ledger, public = signed
    lines = _export(ledger)
    header = json.loads(lines[0])
    assert header["anchor"] == {"seq": 0, "entry_hash": "0" * 64}
    assert header["head"]["seq"] == 25 and header["entry_count"] == 25
    assert header["public_keys"] == [public]
    entries = [json.loads(x) for x in lines if '"type":"entry"' in x]
    assert entries[3]["payload"] == tamper.decision_payload(4)
    cps = [json.loads(x) for x in lines if '"type":"checkpoint"' in x]
    assert [c["seq"] for c in cps] == [10, 20, 25]  # 25: signed at export time
    report = verify_export(lines, load_public_key(public))
    assert report.ok, report.problems
    assert report.entries_checked == 25 and report.checkpoints_checked == 3
    unkeyed = verify_export(lines)
    assert unkeyed.ok and "named in the file" in unkeyed.notes[0]


def test_partial_export_is_anchored(signed: tuple[Ledger, str]) -> None:
    ledger, public = signed
    ledger.append_many([("case.action", {"i": i}, "case_9") for i in range(5)])
    cut = ledger.get(26).timestamp  # type: ignore[union-attr]
    lines = _export(ledger, cut)
    header = json.loads(lines[0])
    assert header["anchor"] == {"seq": 25, "entry_hash": ledger.get(25).entry_hash}  # type: ignore[union-attr]
    assert header["entry_count"] == 5
    assert verify_export(lines, load_public_key(public)).ok
    empty = _export(ledger, datetime.now(UTC) + timedelta(days=1))
    assert json.loads(empty[0])["entry_count"] == 0
    assert verify_export(empty, load_public_key(public)).ok


def _edit_line(lines: list[str], target: int, **changes: object) -> list[str]:
    out = []
    for line in lines:
        obj = json.loads(line)
        if obj.get("type") == "entry" and obj["seq"] == target:
            obj.update(changes)
            line = json.dumps(obj) + "\n"
        out.append(line)
    return out


def _kinds(report) -> set[tuple[int, str]]:  # type: ignore[no-untyped-def]
    return {(p.seq, p.kind) for p in report.problems}


def test_tampered_exports_are_caught(signed: tuple[Ledger, str], tmp_path: Path) -> None:
    ledger, public = signed
    key = load_public_key(public)
    lines = _export(ledger)
    entry_index = {
        json.loads(x).get("seq"): i for i, x in enumerate(lines) if '"type":"entry"' in x
    }

    edited = _edit_line(lines, 7, payload={"decision_id": "dec_00000007", "action": "allow"})
    assert _kinds(verify_export(edited, key)) == {(7, "edited")}

    deleted = [x for i, x in enumerate(lines) if i != entry_index[7]]
    assert _kinds(verify_export(deleted, key)) == {(7, "deleted")}

    swapped = list(lines)
    swapped[entry_index[7]], swapped[entry_index[8]] = (
        swapped[entry_index[8]],
        swapped[entry_index[7]],
    )
    assert _kinds(verify_export(swapped, key)) == {(7, "reordered")}

    truncated = [x for x in lines if '"type":"entry"' not in x or json.loads(x)["seq"] <= 18]
    report = verify_export(truncated, key)
    assert (19, "truncated") in _kinds(report)

    forged_sig = list(lines)
    cp_line = next(i for i, x in enumerate(lines) if '"type":"checkpoint"' in x)
    obj = json.loads(lines[cp_line])
    obj["signature"] = ("1" if obj["signature"][0] == "0" else "0") + obj["signature"][1:]
    forged_sig[cp_line] = json.dumps(obj) + "\n"
    assert _kinds(verify_export(forged_sig, key)) == {(10, "bad_signature")}

    other = load_public_key(generate_key_pair(tmp_path / "other.pem"))
    assert {p.kind for p in verify_export(lines, other).problems} == {"bad_signature"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("not json\n", "line 1: header is not valid JSON"),
        ('{"format":"other"}\n', "not a perisai-ledger-export header"),
        ('{"format":"perisai-ledger-export","version":99}\n', "unsupported export version"),
    ],
)
def test_malformed_export_header(text: str, message: str) -> None:
    with pytest.raises(ExportFormatError, match=message):
        verify_export(text.splitlines(keepends=True))


def test_malformed_export_lines(signed: tuple[Ledger, str]) -> None:
    ledger, _ = signed
    lines = _export(ledger)
    with pytest.raises(ExportFormatError, match="line 3: not valid JSON"):
        verify_export([*lines[:2], "{broken\n", *lines[3:]])
    with pytest.raises(ExportFormatError, match="line 2: field 'seq' has the wrong type"):
        verify_export(_edit_line(lines, 1, seq="1"))
    with pytest.raises(ExportFormatError, match=r"line 2: not valid JSON \(NaN"):
        verify_export([lines[0], lines[1].replace('"payload":{', '"payload":{"x":NaN,')])
    with pytest.raises(ExportFormatError, match="line 2: field 'payload' has the wrong type"):
        verify_export(_edit_line(lines, 1, payload=[1]))
    with pytest.raises(ExportFormatError, match="unknown line type"):
        verify_export([lines[0], '{"type":"mystery"}\n'])


def test_cli_keygen_export_and_offline_verify(
    db_url: str, db: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = CliRunner()
    key = tmp_path / "keys" / "ledger.pem"
    made = runner.invoke(cli, ["ledger", "keygen", "--out", str(key)])
    assert made.exit_code == 0, made.output
    public_hex = made.stdout.strip().splitlines()[-1]
    assert len(public_hex) == 64
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = runner.invoke(cli, ["ledger", "keygen", "--out", str(key)])
    assert again.exit_code != 0 and "already exists" in again.output

    monkeypatch.setenv("PERISAI_DATABASE_URL", db_url)
    monkeypatch.setenv("PERISAI_LEDGER_KEY", str(key))
    monkeypatch.setenv("PERISAI_CHECKPOINT_EVERY", "1000")
    tamper.fill(Ledger(db), 15)
    cp = runner.invoke(cli, ["ledger", "checkpoint"])
    assert cp.exit_code == 0, cp.output
    assert json.loads(cp.stdout)["seq"] == 15

    out = tmp_path / "export.jsonl"
    exported = runner.invoke(cli, ["ledger", "export", "--since", "2000-01-01", "--out", str(out)])
    assert exported.exit_code == 0, exported.output
    # The auditor: no database, no private key, only the file and the published public key.
    monkeypatch.delenv("PERISAI_DATABASE_URL")
    monkeypatch.delenv("PERISAI_LEDGER_KEY")
    ok = runner.invoke(cli, ["ledger", "verify", "--export", str(out), "--public-key", public_hex])
    assert ok.exit_code == 0, ok.output
    assert "ok: 15 entries" in ok.output

    lines = out.read_text().splitlines(keepends=True)
    out.write_text("".join(_edit_line(lines, 4, kind="case.action")))
    bad = runner.invoke(cli, ["ledger", "verify", "--export", str(out), "--public-key", public_hex])
    assert bad.exit_code == 1
    assert "[edited] entry 4: hash does not match its contents" in bad.output

    out.write_text("garbage\n")
    broken = runner.invoke(cli, ["ledger", "verify", "--export", str(out)])
    assert broken.exit_code == 1 and "cannot be verified" in broken.output

    bad_since = runner.invoke(cli, ["ledger", "export", "--since", "last tuesday"])
    assert bad_since.exit_code == 2 and "is not a date" in bad_since.output


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=80), max_size=5))
def test_garbage_after_a_valid_header_never_crashes(garbage: list[str]) -> None:
    header = (
        '{"type":"header","format":"perisai-ledger-export","version":1,"entry_count":0,'
        '"anchor":{"seq":0,"entry_hash":"'
        + "0" * 64
        + '"},"head":{"seq":0,"entry_hash":"'
        + "0" * 64
        + '"},"public_keys":[]}\n'
    )
    try:
        report = verify_export([header, *(g + "\n" for g in garbage)])
    except ExportFormatError as exc:
        assert "line" in str(exc)
    else:
        assert report.entries_checked == 0
