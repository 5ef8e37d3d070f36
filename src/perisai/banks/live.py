"""This process's in-memory view of the banks: one index per signal type
over every active hash, and the bank settings, kept current.

Writes made in this process are applied at once (:meth:`LiveIndexes.apply`).
Changes made by other processes arrive through :meth:`LiveIndexes.sync`,
which reads only rows whose ``status_changed_at`` is recent (with an overlap
for clock skew between writers; applying a change twice is harmless), so
workers stay current without rebuilding, and never all rebuild at once.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from perisai.banks.index import SignalIndex
from perisai.banks.models import Bank
from perisai.banks.rows import bank_from_row, chunks
from perisai.banks.signals import SignalType, signal_types
from perisai.banks.tables import bank_hashes, banks
from perisai.storage.db import Database

#: Changes written this close before the last sync are read again.
SYNC_OVERLAP = timedelta(seconds=2)


class LiveIndexes:
    def __init__(self, db: Database, clock: Callable[[], datetime]) -> None:
        self.db = db
        self.clock = clock
        self.lock = threading.RLock()
        self.indexes: dict[str, SignalIndex] = {}
        self.banks: dict[int, Bank] = {}
        self.synced_at: datetime | None = None
        self.synced_monotonic = 0.0

    def set_banks(self, found: list[Bank]) -> None:
        with self.lock:
            self.banks = {b.id: b for b in found}

    def refresh_banks(self) -> None:
        with self.db.connect() as conn:
            rows = conn.execute(select(banks)).mappings().all()
        self.set_banks([bank_from_row(r) for r in rows])

    def reload(self) -> None:
        """Rebuild every index from the database (drops masked entries)."""
        with self.lock:
            self.refresh_banks()
            started = self.clock()
            fresh = {name: self._load(kind) for name, kind in signal_types().items()}
            self.indexes = fresh
            self.synced_at = started
            self.synced_monotonic = time.monotonic()

    def _load(self, kind: type[SignalType]) -> SignalIndex:
        index = kind.new_index()
        query = (
            select(bank_hashes.c.id, bank_hashes.c.bank_id, bank_hashes.c.value)
            .where(bank_hashes.c.signal_type == kind.name, bank_hashes.c.status == "active")
            .order_by(bank_hashes.c.id)
        )

        def batches() -> Iterator[tuple[list[int], list[int], list[str]]]:
            with self.db.connect() as conn:
                result = conn.execute(query.execution_options(yield_per=50_000))
                for part in result.partitions():
                    yield ([r[0] for r in part], [r[1] for r in part], [r[2] for r in part])

        index.load(batches())
        return index

    def ensure(self) -> None:
        if not self.indexes:
            with self.lock:
                if not self.indexes:
                    self.reload()

    def sync(self) -> int:
        """Apply changes made since the last sync; returns the rows read."""
        self.ensure()
        with self.lock:
            since = self.synced_at
            now = self.clock()
            self.refresh_banks()
            query = select(
                bank_hashes.c.id,
                bank_hashes.c.bank_id,
                bank_hashes.c.signal_type,
                bank_hashes.c.value,
                bank_hashes.c.status,
            )
            if since is not None:
                query = query.where(bank_hashes.c.status_changed_at >= since - SYNC_OVERLAP)
            with self.db.connect() as conn:
                rows = conn.execute(query).all()
            self.apply(rows)
            self.synced_at = now
            self.synced_monotonic = time.monotonic()
            return len(rows)

    def sync_if_due(self, interval: float) -> None:
        self.ensure()
        if time.monotonic() - self.synced_monotonic >= interval:
            self.sync()

    def apply(self, rows: Sequence[Any]) -> None:
        """Make built indexes agree with these (id, bank_id, signal_type,
        value, status) rows: active rows match, all others do not."""
        adds: dict[str, tuple[list[int], list[int], list[str]]] = defaultdict(lambda: ([], [], []))
        removes: dict[str, list[int]] = defaultdict(list)
        for r in rows:
            if r.status == "active" and r.value is not None:
                ids, groups, values = adds[r.signal_type]
                ids.append(r.id)
                groups.append(r.bank_id)
                values.append(r.value)
            else:
                removes[r.signal_type].append(r.id)
        for name, id_list in removes.items():
            self.remove(name, id_list)
        for name, (ids, groups, values) in adds.items():
            if name in self.indexes:
                self.indexes[name].add(ids, groups, values)

    def apply_ids(self, ids: list[int]) -> None:
        """Apply the current database state of these hash rows."""
        if not ids or not self.indexes:
            return
        with self.db.connect() as conn:
            for part in chunks(ids):
                rows = conn.execute(
                    select(
                        bank_hashes.c.id,
                        bank_hashes.c.bank_id,
                        bank_hashes.c.signal_type,
                        bank_hashes.c.value,
                        bank_hashes.c.status,
                    ).where(bank_hashes.c.id.in_(part))
                ).all()
                self.apply(rows)

    def remove(self, signal_type: str, ids: list[int]) -> None:
        index = self.indexes.get(signal_type)
        if index is not None:
            index.remove(ids)
