"""Property: after any run of appends, any single tampering is detected and
located where it was made."""

from __future__ import annotations

from pathlib import Path

import ledger_tamper as tamper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from perisai.ledger import GENESIS_HASH, Ledger
from perisai.ledger.checkpoints import CheckpointSigner, generate_key_pair
from perisai.storage.db import Database


def _reset(db: Database) -> None:
    with db.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries"))
        conn.execute(text("DELETE FROM ledger_checkpoints"))
        conn.execute(
            text("UPDATE ledger_head SET seq = 0, entry_hash = :g WHERE id = 1"),
            {"g": GENESIS_HASH},
        )


@st.composite
def scenario(draw: st.DrawFn) -> tuple[int, list[int], str, tuple[int, ...]]:
    n = draw(st.integers(min_value=2, max_value=40))
    batches = draw(st.lists(st.integers(min_value=1, max_value=10), min_size=1, max_size=6))
    name = draw(
        st.sampled_from(
            ["edit", "edit_rehash", "delete", "delete_renumber", "insert", "swap", "truncate"]
        )
    )
    if name == "swap":
        a = draw(st.integers(min_value=1, max_value=n - 1))
        b = draw(st.integers(min_value=a + 1, max_value=n))
        return n, batches, name, (a, b)
    if name == "truncate":
        return n, batches, name, (draw(st.integers(min_value=0, max_value=n - 1)),)
    return n, batches, name, (draw(st.integers(min_value=1, max_value=n)),)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenario())
def test_any_tampering_is_detected_and_located(
    db: Database, tmp_path: Path, case: tuple[int, list[int], str, tuple[int, ...]]
) -> None:
    n, batches, name, where = case
    key = tmp_path / "k.pem"
    if not key.exists():
        generate_key_pair(key)
    ledger = Ledger(db, signer=CheckpointSigner.from_pem_file(key), checkpoint_every=0)
    _reset(db)
    done = 0
    while done < n:
        size = min(batches[done % len(batches)], n - done)
        ledger.append_many(
            [
                ("decision", tamper.decision_payload(done + i), f"dec_{done + i}")
                for i in range(size)
            ]
        )
        done += size
    ledger.checkpoint()
    assert ledger.verify().ok

    if name == "edit":
        tamper.edit_payload(ledger, where[0])
        expected = {(where[0], "edited")}
    elif name == "edit_rehash":
        tamper.edit_payload(ledger, where[0], recompute_hash=True)
        # The last entry has no successor: the checkpoint / head row expose it instead.
        expected = {(where[0], "edited")}
    elif name == "delete":
        tamper.delete(ledger, where[0])
        expected = {(where[0], "deleted" if where[0] < n else "truncated")}
    elif name == "delete_renumber":
        tamper.delete(ledger, where[0], renumber=True)
        expected = {(where[0], "deleted" if where[0] < n else "truncated")}
    elif name == "insert":
        tamper.insert(ledger, where[0])
        expected = {(where[0], "inserted")}
    elif name == "swap":
        tamper.swap(ledger, *where)
        expected = {(where[0], "reordered"), (where[1], "reordered")}
    else:
        tamper.truncate(ledger, where[0], fix_head=True)
        expected = {(where[0] + 1, "truncated")}

    report = ledger.verify()
    assert not report.ok
    assert {(p.seq, p.kind) for p in report.problems} == expected, report.problems
