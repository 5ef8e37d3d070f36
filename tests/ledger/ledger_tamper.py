"""Tamperings made directly in the stored database with SQL, the way an
attacker with database access would make them."""

from __future__ import annotations

import json
import secrets
from typing import Any

from sqlalchemy import text

from perisai.ledger import Ledger, canonical_json, entry_hash


def decision_payload(i: int) -> dict[str, Any]:
    return {
        "decision_id": f"dec_{i:08d}",
        "action": ["allow", "review", "block"][i % 3],
        "categories": ["sexualised_real_person"] if i % 3 else [],
        "risk": round((i % 97) / 97, 4),
        "policy_version": "2026-01",
    }


def fill(ledger: Ledger, n: int) -> None:
    ledger.append_many([("decision", decision_payload(i), f"dec_{i:08d}") for i in range(1, n + 1)])


def _row(ledger: Ledger, seq: int) -> dict[str, Any]:
    with ledger.db.connect() as conn:
        row = conn.execute(text("SELECT * FROM ledger_entries WHERE seq = :s"), {"s": seq}).one()
    return dict(row._mapping)


def edit_payload(ledger: Ledger, seq: int, recompute_hash: bool = False) -> None:
    row = _row(ledger, seq)
    payload = json.loads(row["payload"])
    payload["action"] = "allow" if payload.get("action") != "allow" else "block"
    new_payload = canonical_json(payload)
    values = {"s": seq, "p": new_payload, "h": row["entry_hash"]}
    if recompute_hash:
        values["h"] = entry_hash(
            seq, row["created_at"], row["kind"], row["subject_id"], new_payload, row["prev_hash"]
        )
    with ledger.db.begin() as conn:
        conn.execute(
            text("UPDATE ledger_entries SET payload = :p, entry_hash = :h WHERE seq = :s"), values
        )


def edit_column(ledger: Ledger, seq: int, column: str, value: str) -> None:
    with ledger.db.begin() as conn:
        conn.execute(
            text(f"UPDATE ledger_entries SET {column} = :v WHERE seq = :s"), {"v": value, "s": seq}
        )


def delete(ledger: Ledger, seq: int, renumber: bool = False) -> None:
    with ledger.db.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq = :s"), {"s": seq})
        if renumber:
            conn.execute(
                text("UPDATE ledger_entries SET seq = -(seq - 1) WHERE seq > :s"), {"s": seq}
            )
            conn.execute(text("UPDATE ledger_entries SET seq = -seq WHERE seq < 0"))


def insert(ledger: Ledger, seq: int) -> None:
    """Splice a well-formed entry in at ``seq``, renumbering the entries after it."""
    before = _row(ledger, seq - 1) if seq > 1 else None
    created_at = before["created_at"] if before else "2026-01-01T00:00:00.000000Z"
    payload = canonical_json(decision_payload(999_999))
    # prev_hash must be unique, so the forger cannot reuse the real predecessor's hash.
    prev_hash = secrets.token_hex(32)
    digest = entry_hash(seq, created_at, "decision", "dec_forged", payload, prev_hash)
    with ledger.db.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET seq = -(seq + 1) WHERE seq >= :s"), {"s": seq})
        conn.execute(text("UPDATE ledger_entries SET seq = -seq WHERE seq < 0"))
        conn.execute(
            text(
                "INSERT INTO ledger_entries (seq, created_at, kind, subject_id, payload, prev_hash,"
                " entry_hash) VALUES (:s, :c, 'decision', 'dec_forged', :p, :ph, :h)"
            ),
            {"s": seq, "c": created_at, "p": payload, "ph": prev_hash, "h": digest},
        )


def swap(ledger: Ledger, a: int, b: int) -> None:
    with ledger.db.begin() as conn:
        conn.execute(text("UPDATE ledger_entries SET seq = -1 WHERE seq = :a"), {"a": a})
        conn.execute(text("UPDATE ledger_entries SET seq = :a WHERE seq = :b"), {"a": a, "b": b})
        conn.execute(text("UPDATE ledger_entries SET seq = :b WHERE seq = -1"), {"b": b})


def truncate(ledger: Ledger, keep: int, fix_head: bool = True) -> None:
    """Remove every entry after ``keep``; with ``fix_head`` also rewind the
    head row so it does not give the truncation away."""
    with ledger.db.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq > :k"), {"k": keep})
        if fix_head:
            digest = (
                conn.execute(
                    text("SELECT entry_hash FROM ledger_entries WHERE seq = :k"), {"k": keep}
                ).scalar()
                or "0" * 64
            )
            conn.execute(
                text("UPDATE ledger_head SET seq = :k, entry_hash = :h WHERE id = 1"),
                {"k": keep, "h": digest},
            )


def rewrite_from(ledger: Ledger, seq: int) -> None:
    """Edit entry ``seq`` and recompute every hash after it: a consistent forged chain."""
    with ledger.db.connect() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                text("SELECT * FROM ledger_entries WHERE seq >= :s ORDER BY seq"), {"s": seq}
            )
        ]
        prev = (
            conn.execute(
                text("SELECT entry_hash FROM ledger_entries WHERE seq = :s"), {"s": seq - 1}
            ).scalar()
            or "0" * 64
        )
    payload = json.loads(rows[0]["payload"])
    payload["action"] = "allow"
    rows[0]["payload"] = canonical_json(payload)
    with ledger.db.begin() as conn:
        conn.execute(text("DELETE FROM ledger_entries WHERE seq >= :s"), {"s": seq})
        for row in rows:
            row["prev_hash"] = prev
            row["entry_hash"] = entry_hash(
                row["seq"], row["created_at"], row["kind"], row["subject_id"], row["payload"], prev
            )
            prev = row["entry_hash"]
            conn.execute(
                text(
                    "INSERT INTO ledger_entries (seq, created_at, kind, subject_id, payload,"
                    " prev_hash, entry_hash) VALUES (:seq, :created_at, :kind, :subject_id,"
                    " :payload, :prev_hash, :entry_hash)"
                ),
                row,
            )
        conn.execute(text("UPDATE ledger_head SET entry_hash = :h WHERE id = 1"), {"h": prev})
