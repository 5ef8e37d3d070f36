"""The bank service: the one object the API, CLI and gate use for banks.

Writes go to the database first and then to this process's in-memory
indexes (:mod:`perisai.banks.live`), so an added hash matches, and a
withdrawn one stops matching, on the very next query. Other processes pick
changes up through :meth:`BankService.sync`, which :meth:`BankService.match`
calls at most every ``sync_interval`` seconds. Matching itself is in
:mod:`perisai.banks.matching`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update

from perisai.banks.formats import (
    Format,
    HashEntry,
    RowError,
    format_csv,
    format_stopncii,
    format_threatexchange,
    parse,
)
from perisai.banks.live import LiveIndexes
from perisai.banks.matching import Matcher
from perisai.banks.models import (
    BANK_KINDS,
    BANK_NAME,
    PROVENANCES,
    AddReport,
    Bank,
    BankError,
    BankExists,
    BankNotFound,
    HashNotFound,
    HashRecord,
    MatchQuery,
    MatchResult,
)
from perisai.banks.rows import (
    CHUNK,
    bank_from_row,
    case_numbers,
    chunks,
    record_from_row,
    utc,
    value_digest,
)
from perisai.banks.signals import get_signal_type, signal_types
from perisai.banks.tables import bank_hashes, banks
from perisai.storage.db import Database

Clock = Callable[[], datetime]


class BankService:
    def __init__(
        self, db: Database, *, clock: Clock | None = None, sync_interval: float = 1.0
    ) -> None:
        self.db = db
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.sync_interval = sync_interval
        self.live = LiveIndexes(db, self.clock)
        self.matcher = Matcher(db, self.clock, self.live)

    # -- banks ---------------------------------------------------------------

    def create_bank(
        self,
        name: str,
        *,
        kind: str = "block",
        provenance: str = "other",
        description: str = "",
        match_distance: int | None = None,
        match_dihedral: bool = True,
        flood_max_matches: int | None = None,
        flood_window_seconds: int | None = None,
        created_by: str,
    ) -> Bank:
        if not isinstance(name, str) or not BANK_NAME.fullmatch(name):
            raise BankError(
                "a bank name is 1-100 characters: lower-case letters, digits, '_', '.', '-', "
                "starting with a letter or digit",
                "name",
            )
        if kind not in BANK_KINDS:
            raise BankError(f"kind must be one of {', '.join(BANK_KINDS)}", "kind")
        if provenance not in PROVENANCES:
            raise BankError(f"provenance must be one of {', '.join(PROVENANCES)}", "provenance")
        if not isinstance(match_dihedral, bool):
            raise BankError("match_dihedral must be true or false", "match_dihedral")
        settings = self._checked_settings(
            match_distance if match_distance is not None else 31,
            flood_max_matches,
            flood_window_seconds,
            description,
        )
        now = self.clock()
        with self.db.begin_write() as conn:
            if conn.execute(select(banks.c.id).where(banks.c.name == name)).first():
                raise BankExists(f"a bank named {name!r} already exists", "name")
            conn.execute(
                banks.insert().values(
                    name=name,
                    kind=kind,
                    provenance=provenance,
                    enabled=True,
                    match_dihedral=match_dihedral,
                    created_at=now,
                    created_by=created_by,
                    updated_at=now,
                    **settings,
                )
            )
        return self._refresh_bank(name)

    @staticmethod
    def _checked_settings(
        match_distance: int, flood_max: int | None, flood_window: int | None, description: str
    ) -> dict[str, Any]:
        limit = max(t.max_match_distance for t in signal_types().values())
        if not isinstance(match_distance, int) or not 0 <= match_distance <= limit:
            raise BankError(f"match_distance must be an integer 0-{limit}", "match_distance")
        if (flood_max is None) != (flood_window is None):
            raise BankError(
                "set both flood_max_matches and flood_window_seconds, or neither",
                "flood_max_matches",
            )
        if flood_max is not None and flood_window is not None:
            if not 1 <= flood_max <= 10**9:
                raise BankError("flood_max_matches must be 1 or more", "flood_max_matches")
            if not 1 <= flood_window <= 366 * 86400:
                raise BankError(
                    "flood_window_seconds must be 1 to 31622400", "flood_window_seconds"
                )
        if not isinstance(description, str) or len(description) > 1000:
            raise BankError("description must be at most 1000 characters", "description")
        return {
            "match_distance": match_distance,
            "flood_max_matches": flood_max,
            "flood_window_seconds": flood_window,
            "description": description,
        }

    def list_banks(self) -> list[Bank]:
        with self.db.connect() as conn:
            rows = conn.execute(select(banks).order_by(banks.c.name)).mappings().all()
        found = [bank_from_row(r) for r in rows]
        self.live.set_banks(found)
        return found

    def get_bank(self, name: str) -> Bank:
        with self.db.connect() as conn:
            row = conn.execute(select(banks).where(banks.c.name == name)).mappings().first()
        if row is None:
            raise BankNotFound(f"no bank named {str(name)[:100]!r}", "bank")
        return bank_from_row(row)

    def _refresh_bank(self, name: str) -> Bank:
        bank = self.get_bank(name)
        with self.live.lock:
            self.live.banks = {**self.live.banks, bank.id: bank}
        return bank

    def configure_bank(
        self,
        name: str,
        *,
        enabled: bool | None = None,
        match_distance: int | None = None,
        match_dihedral: bool | None = None,
        flood_max_matches: int | None = None,
        flood_window_seconds: int | None = None,
        clear_flood_guard: bool = False,
        description: str | None = None,
    ) -> Bank:
        """Change a bank's settings; takes effect on the next match."""
        bank = self.get_bank(name)
        flood_max = None if clear_flood_guard else (flood_max_matches or bank.flood_max_matches)
        flood_window = (
            None if clear_flood_guard else (flood_window_seconds or bank.flood_window_seconds)
        )
        settings = self._checked_settings(
            bank.match_distance if match_distance is None else match_distance,
            flood_max,
            flood_window,
            bank.description if description is None else description,
        )
        if enabled is not None:
            settings["enabled"] = bool(enabled)
        if match_dihedral is not None:
            if not isinstance(match_dihedral, bool):
                raise BankError("match_dihedral must be true or false", "match_dihedral")
            settings["match_dihedral"] = match_dihedral
        with self.db.begin_write() as conn:
            conn.execute(
                update(banks)
                .where(banks.c.id == bank.id)
                .values(updated_at=self.clock(), **settings)
            )
        return self._refresh_bank(name)

    def set_enabled(self, name: str, enabled: bool) -> Bank:
        return self.configure_bank(name, enabled=enabled)

    # -- adding and purging ----------------------------------------------------

    def add_hashes(
        self,
        bank_name: str,
        entries: Sequence[HashEntry],
        *,
        added_by: str,
        source: str = "api",
        revive_withdrawn: bool = False,
    ) -> AddReport:
        """Add hashes to a bank. Entries with a withdrawn or deleted status
        purge that hash instead. Bad entries are reported by ``line``."""
        bank = self.get_bank(bank_name)
        report = AddReport(received=len(entries))
        valid: dict[str, tuple[HashEntry, str]] = {}
        purge: list[HashEntry] = []
        for i, entry in enumerate(entries):
            where = entry.line if entry.line is not None else i
            try:
                checked = self._checked_entry(entry)
            except ValueError as exc:
                report.errors.append(RowError(where, str(exc)))
                continue
            if checked.status != "active":
                purge.append(checked)
                continue
            digest = value_digest(checked.signal_type, checked.value)
            if digest in valid:
                report.duplicates += 1
            else:
                valid[digest] = (checked, str(where))
        for chunk in chunks(list(valid.items()), CHUNK):
            self._insert_chunk(
                bank, dict(chunk), report, added_by=added_by, source=source, revive=revive_withdrawn
            )
        for entry in purge:
            status = "deleted" if entry.status == "deleted" else "withdrawn"
            if (
                self._purge(bank, entry.signal_type, entry.value, status, f"{source}: {status}")
                is not None
            ):
                report.purged += 1
        return report

    @staticmethod
    def _checked_entry(entry: HashEntry) -> HashEntry:
        signal_type = get_signal_type(entry.signal_type)
        value = signal_type.validate(entry.value)
        threshold = signal_type.quality_threshold
        if entry.quality is not None:
            if not isinstance(entry.quality, int) or not 0 <= entry.quality <= 100:
                raise ValueError("quality must be an integer 0-100")
            if threshold is not None and entry.quality < threshold:
                raise ValueError(
                    f"quality {entry.quality} is below {threshold}: {signal_type.name} hashes "
                    "of featureless images match unrelated content"
                )
        if entry.status not in ("active", "withdrawn", "deleted"):
            raise ValueError("status must be active, withdrawn or deleted")
        return HashEntry(
            signal_type.name,
            value,
            entry.external_id,
            tuple(entry.case_numbers),
            entry.quality,
            entry.status,
            entry.line,
        )

    def _insert_chunk(
        self,
        bank: Bank,
        chunk: dict[str, tuple[HashEntry, str]],
        report: AddReport,
        *,
        added_by: str,
        source: str,
        revive: bool,
    ) -> None:
        now = self.clock()
        fresh_rows: list[dict[str, Any]] = []
        changed: list[int] = []
        with self.db.begin_write() as conn:
            existing = {
                r.value_digest: r
                for r in conn.execute(
                    select(
                        bank_hashes.c.id,
                        bank_hashes.c.value_digest,
                        bank_hashes.c.status,
                        bank_hashes.c.status_changed_at,
                    ).where(
                        bank_hashes.c.bank_id == bank.id,
                        bank_hashes.c.value_digest.in_(list(chunk)),
                    )
                )
            }
            for digest, (entry, where) in chunk.items():
                fields = {
                    "value": entry.value,
                    "quality": entry.quality,
                    "source": source[:40],
                    "external_id": entry.external_id,
                    "case_numbers": json.dumps(list(entry.case_numbers))
                    if entry.case_numbers
                    else None,
                    "added_by": added_by[:200],
                    "status": "active",
                    "status_changed_at": now,
                    "status_reason": None,
                }
                old = existing.get(digest)
                if old is None:
                    fresh_rows.append(
                        {
                            "bank_id": bank.id,
                            "signal_type": entry.signal_type,
                            "value_digest": digest,
                            "added_at": now,
                            **fields,
                        }
                    )
                elif old.status in ("withdrawn", "deleted") and not revive:
                    report.skipped_tombstoned += 1
                    when = utc(old.status_changed_at)
                    report.errors.append(
                        RowError(
                            int(where),
                            f"this hash was {old.status} on "
                            f"{when.date().isoformat() if when else '?'}; not re-added "
                            "(re-add it explicitly to revive it)",
                        )
                    )
                elif old.status in ("withdrawn", "deleted"):
                    conn.execute(
                        update(bank_hashes)
                        .where(bank_hashes.c.id == old.id)
                        .values(added_at=now, **fields)
                    )
                    changed.append(old.id)
                    report.revived += 1
                else:
                    report.duplicates += 1
            if fresh_rows:
                conn.execute(bank_hashes.insert(), fresh_rows)
                report.added += len(fresh_rows)
                digests = [r["value_digest"] for r in fresh_rows]
                changed += [
                    r.id
                    for r in conn.execute(
                        select(bank_hashes.c.id).where(
                            bank_hashes.c.bank_id == bank.id,
                            bank_hashes.c.value_digest.in_(digests),
                        )
                    )
                ]
        self.live.apply_ids(changed)

    def withdraw(
        self,
        bank_name: str,
        signal_type: str,
        value: str,
        *,
        status: str = "withdrawn",
        reason: str | None = None,
    ) -> HashRecord:
        """Purge a hash now and leave a tombstone (status and date, nothing more)."""
        if status not in ("withdrawn", "deleted"):
            raise BankError("status must be withdrawn or deleted", "status")
        bank = self.get_bank(bank_name)
        try:
            kind = get_signal_type(signal_type)
            normal = kind.validate(value)
        except ValueError as exc:
            raise BankError(str(exc), "value") from None
        record = self._purge(bank, kind.name, normal, status, reason)
        if record is None:
            raise HashNotFound(f"bank {bank.name!r} holds no such {kind.name} hash", "value")
        return record

    def _purge(
        self, bank: Bank, signal_type: str, value: str, status: str, reason: str | None
    ) -> HashRecord | None:
        digest = value_digest(signal_type, value)
        with self.db.begin_write() as conn:
            row = conn.execute(
                select(bank_hashes.c.id, bank_hashes.c.status).where(
                    bank_hashes.c.bank_id == bank.id,
                    bank_hashes.c.signal_type == signal_type,
                    bank_hashes.c.value_digest == digest,
                )
            ).first()
            if row is None:
                return None
            conn.execute(
                update(bank_hashes)
                .where(bank_hashes.c.id == row.id)
                .values(
                    status=status,
                    value=None,
                    quality=None,
                    external_id=None,
                    case_numbers=None,
                    added_by=None,
                    status_changed_at=self.clock(),
                    status_reason=(reason or status)[:200],
                    window_started_at=None,
                    window_matches=0,
                )
            )
        self.live.remove(signal_type, [row.id])
        return self.get_hash(row.id)

    def release(self, hash_id: int, *, reason: str = "reviewed") -> HashRecord:
        """Return a quarantined hash to matching after review."""
        with self.db.begin_write() as conn:
            done = conn.execute(
                update(bank_hashes)
                .where(bank_hashes.c.id == hash_id, bank_hashes.c.status == "quarantined")
                .values(
                    status="active",
                    status_changed_at=self.clock(),
                    status_reason=f"released: {reason}"[:200],
                    window_started_at=None,
                    window_matches=0,
                )
            ).rowcount
        if not done:
            raise HashNotFound(f"no quarantined hash with id {hash_id}", "hash_id")
        self.live.apply_ids([hash_id])
        return self.get_hash(hash_id)

    # -- reading -------------------------------------------------------------------

    def get_hash(self, hash_id: int) -> HashRecord:
        query = (
            select(bank_hashes, banks.c.name.label("bank_name"))
            .join(banks, banks.c.id == bank_hashes.c.bank_id)
            .where(bank_hashes.c.id == hash_id)
        )
        with self.db.connect() as conn:
            row = conn.execute(query).mappings().first()
        if row is None:
            raise HashNotFound(f"no hash with id {hash_id}", "hash_id")
        return record_from_row(row)

    def list_hashes(
        self, bank_name: str, *, status: str | None = None, limit: int = 100, after_id: int = 0
    ) -> list[HashRecord]:
        bank = self.get_bank(bank_name)
        query = (
            select(bank_hashes, banks.c.name.label("bank_name"))
            .join(banks, banks.c.id == bank_hashes.c.bank_id)
            .where(bank_hashes.c.bank_id == bank.id, bank_hashes.c.id > after_id)
            .order_by(bank_hashes.c.id)
            .limit(limit)
        )
        if status is not None:
            query = query.where(bank_hashes.c.status == status)
        with self.db.connect() as conn:
            return [record_from_row(r) for r in conn.execute(query).mappings()]

    def import_text(
        self,
        bank_name: str,
        text: str,
        fmt: Format | str = "auto",
        *,
        added_by: str,
        default_signal_type: str | None = None,
        revive_withdrawn: bool = False,
    ) -> AddReport:
        parsed = parse(text, fmt, default_signal_type=default_signal_type)
        report = self.add_hashes(
            bank_name,
            parsed.entries,
            added_by=added_by,
            source=f"import:{fmt}"[:40],
            revive_withdrawn=revive_withdrawn,
        )
        report.received += len(parsed.errors)
        report.errors = sorted(parsed.errors + report.errors, key=lambda e: e.line or 0)
        return report

    def iter_entries(self, bank_name: str) -> Iterator[tuple[HashEntry, datetime]]:
        bank = self.get_bank(bank_name)
        query = (
            select(bank_hashes)
            .where(bank_hashes.c.bank_id == bank.id, bank_hashes.c.status == "active")
            .order_by(bank_hashes.c.id)
        )
        with self.db.connect() as conn:
            for r in conn.execute(query.execution_options(yield_per=CHUNK)).mappings():
                yield (
                    HashEntry(
                        r["signal_type"],
                        r["value"],
                        r["external_id"],
                        case_numbers(r["case_numbers"]),
                        r["quality"],
                        "active",
                    ),
                    utc(r["status_changed_at"]) or self.clock(),
                )

    def export_text(self, bank_name: str, fmt: Format | str) -> str:
        """Active hashes in ``fmt``. Tombstones are not exported: their values are gone."""
        entries = self.iter_entries(bank_name)
        if fmt == "threatexchange":
            return format_threatexchange(e for e, _ in entries)
        if fmt == "csv":
            return format_csv(e for e, _ in entries)
        if fmt == "stopncii":
            return format_stopncii(entries)
        raise BankError("format must be threatexchange, stopncii or csv", "format")

    def stats(self, bank_name: str | None = None) -> dict[str, Any]:
        query = select(
            bank_hashes.c.bank_id,
            bank_hashes.c.signal_type,
            bank_hashes.c.status,
            func.count(),
            func.coalesce(func.sum(bank_hashes.c.match_count), 0),
            func.max(bank_hashes.c.last_matched_at),
        ).group_by(bank_hashes.c.bank_id, bank_hashes.c.signal_type, bank_hashes.c.status)
        selected = [self.get_bank(bank_name)] if bank_name else self.list_banks()
        wanted = {b.id for b in selected}
        per_bank: dict[int, dict[str, Any]] = {
            b.id: {
                "bank": b.name,
                "kind": b.kind,
                "enabled": b.enabled,
                "hashes": {},
                "matches": 0,
                "last_matched_at": None,
            }
            for b in selected
        }
        with self.db.connect() as conn:
            for bank_id, signal_type, status, count, matches, last in conn.execute(query):
                if bank_id not in wanted:
                    continue
                entry = per_bank[bank_id]
                entry["hashes"].setdefault(signal_type, {})[status] = count
                entry["matches"] += int(matches)
                last = utc(last)
                if last and (entry["last_matched_at"] is None or last > entry["last_matched_at"]):
                    entry["last_matched_at"] = last
        for entry in per_bank.values():
            if entry["last_matched_at"]:
                entry["last_matched_at"] = entry["last_matched_at"].isoformat()
        return {
            "banks": list(per_bank.values()),
            "indexes": {name: index.stats() for name, index in self.live.indexes.items()},
        }

    # -- indexes and matching ----------------------------------------------------

    def reload(self) -> None:
        """Rebuild every index from the database (drops masked entries)."""
        self.live.reload()

    def sync(self) -> int:
        """Apply changes other processes made since the last sync."""
        return self.live.sync()

    def match(self, queries: Sequence[MatchQuery]) -> list[MatchResult]:
        """Look every query up in every enabled bank (see :mod:`perisai.banks.matching`)."""
        self.live.sync_if_due(self.sync_interval)
        return self.matcher.match(queries)
