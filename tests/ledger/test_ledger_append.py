"""Appending, reading and verifying."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import ledger_tamper as tamper
import pytest

from perisai.ledger import GENESIS_HASH, Ledger, LedgerError, LedgerWriter, entry_hash
from perisai.ledger.checkpoints import CheckpointSigner, generate_key_pair
from perisai.storage.db import Database


def test_append_chains_from_genesis(ledger: Ledger) -> None:
    assert ledger.head() is None
    first = ledger.append("decision", {"decision_id": "dec_1", "action": "block"}, "dec_1")
    second = ledger.append("case.report", {"case_id": "case_1", "note": "reporté"}, "case_1")
    assert (first.seq, second.seq) == (1, 2)
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    assert first.entry_hash == entry_hash(
        1, first.created_at, "decision", "dec_1", first.payload_json, GENESIS_HASH
    )
    assert ledger.head() == second
    assert ledger.get(1) == first
    assert ledger.get(3) is None
    assert second.payload == {"case_id": "case_1", "note": "reporté"}
    assert second.timestamp.tzinfo is not None


def test_stored_fields_round_trip_byte_exactly(ledger: Ledger) -> None:
    payload = {"text": "Ünïcödé ✓ \u202e rtl", "n": 1.0000000000000002, "big": 2**62, "z": -0.0}
    stored = ledger.append("decision", payload, "dec_ü")
    again = ledger.get(stored.seq)
    assert again == stored
    assert ledger.verify().ok


def test_append_many_is_one_transaction(ledger: Ledger) -> None:
    ledger.append("decision", {"i": 0})
    with pytest.raises(LedgerError, match=r"item 2: payload is not valid ledger JSON: \$\.x"):
        ledger.append_many(
            [
                ("decision", {"i": 1}, None),
                ("decision", {"i": 2}, None),
                ("decision", {"x": float("nan")}, None),
            ]
        )
    assert ledger.head().seq == 1  # type: ignore[union-attr]
    stored = ledger.append_many([("decision", {"i": i}, f"dec_{i}") for i in range(1, 101)])
    assert [e.seq for e in stored] == list(range(2, 102))
    assert ledger.verify().ok


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("", {}), "kind must be"),
        (("has space", {}), "use only ASCII"),
        (("decision", ["not", "a", "mapping"]), "payload must be a mapping"),
        (("decision", {"a": object()}), "object is not a JSON type"),
        (("decision", {}, "x" * 201), "subject_id must be"),
        (("decision", {}, "line\nbreak"), "control characters"),
        (("decision", {"blob": "x" * 1_000_001}), "at most 1000000"),
    ],
)
def test_bad_appends_are_refused_with_a_reason(
    ledger: Ledger, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(LedgerError, match=message):
        ledger.append(*args)
    assert ledger.head() is None


def test_entries_filters_and_streams(ledger: Ledger) -> None:
    ledger.append_many(
        [("decision", {"i": i}, f"dec_{i % 3}") for i in range(25)]
        + [("case.action", {"i": 99}, "case_1")]
    )
    assert [e.seq for e in ledger.entries(chunk_size=4)] == list(range(1, 27))
    assert [e.seq for e in ledger.entries(kind="case.action")] == [26]
    assert len(list(ledger.entries(subject_id="dec_1", chunk_size=2))) == 8
    past = datetime.now(UTC) - timedelta(hours=1)
    assert len(list(ledger.entries(since=past))) == 26
    assert list(ledger.entries(since=datetime.now(UTC) + timedelta(hours=1))) == []
    assert [e.seq for e in ledger.entries(after_seq=20, upto_seq=22)] == [21, 22]


def test_checkpoints_every_n_and_on_demand(db: Database, tmp_path: Path) -> None:
    generate_key_pair(tmp_path / "k.pem")
    signer = CheckpointSigner.from_pem_file(tmp_path / "k.pem")
    ledger = Ledger(db, signer=signer, checkpoint_every=5)
    for i in range(12):
        ledger.append("decision", {"i": i})
    assert [c.seq for c in ledger.checkpoints()] == [5, 10]
    on_demand = ledger.checkpoint()
    assert on_demand.seq == 12 and on_demand.entry_hash == ledger.head().entry_hash  # type: ignore[union-attr]
    report = ledger.verify()
    assert report.ok and report.checkpoints_checked == 3
    assert "not checked" in Ledger(db).verify().notes[0]  # no key given: says so


def test_checkpoint_without_key_or_entries_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="no ledger signing key"):
        Ledger(db).checkpoint()
    generate_key_pair(tmp_path / "k.pem")
    signed = Ledger(db, signer=CheckpointSigner.from_pem_file(tmp_path / "k.pem"))
    with pytest.raises(LedgerError, match="empty"):
        signed.checkpoint()
    tamper.fill(signed, 5)
    tamper.truncate(signed, 3, fix_head=False)
    with pytest.raises(
        LedgerError, match="head records entry 5 but the newest stored entry is entry 3"
    ):
        signed.checkpoint()


def test_writer_batches_appends_from_many_threads(ledger: Ledger) -> None:
    results: list[int] = []
    lock = threading.Lock()
    with LedgerWriter(ledger, max_batch=50) as writer:

        def work(t: int) -> None:
            futures = [
                writer.submit("decision", tamper.decision_payload(t * 1000 + i)) for i in range(60)
            ]
            seqs = [f.result(timeout=60).seq for f in futures]
            with lock:
                results.extend(seqs)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        with pytest.raises(LedgerError, match="not valid ledger JSON"):
            writer.submit("decision", {"x": float("inf")})
        last = writer.submit("case.action", {"after": "threads"})
        writer.flush()
        assert last.done() and last.result().seq == 301
    assert sorted(results) == list(range(1, 301))
    assert ledger.head().seq == 301  # type: ignore[union-attr]
    report = ledger.verify()
    assert report.ok and report.entries_checked == 301
    with pytest.raises(LedgerError, match="closed"):
        writer.submit("decision", {})


def test_writer_surfaces_database_errors(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'empty.db'}")  # never migrated: no ledger tables
    with LedgerWriter(Ledger(db)) as writer:
        future = writer.submit("decision", {"i": 1})
        with pytest.raises(Exception, match="ledger_head"):
            future.result(timeout=30)
