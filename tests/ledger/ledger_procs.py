"""Worker for the multi-process append test (importable by spawned children)."""

from __future__ import annotations

from perisai.ledger import Ledger
from perisai.storage.db import Database


def append_worker(url: str, worker: int, count: int) -> int:
    db = Database(url)
    ledger = Ledger(db)
    try:
        for i in range(count):
            if i % 10 == 9:
                ledger.append_many([("decision", {"worker": worker, "i": i, "batch": True}, None)])
            else:
                ledger.append("decision", {"worker": worker, "i": i}, f"w{worker}")
    finally:
        db.dispose()
    return count
