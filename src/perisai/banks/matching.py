"""Matching queries against every enabled bank.

For each query, in order:

1. refuse PDQ queries of known quality below 50 (``skipped``);
2. look the query and its dihedral copies up in the signal type's index at
   the largest distance of any enabled bank;
3. keep hits within their own bank's distance, in enabled banks only;
4. count the match on each hash; a hash over its bank's flood limit is
   quarantined: it stops matching and waits for review (``quarantined``);
5. any hit in an allow bank suppresses every block hit (``suppressed``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, bindparam, select, update

from perisai.banks import flood
from perisai.banks.index import IndexHit
from perisai.banks.live import LiveIndexes
from perisai.banks.models import Bank, BankError, BankMatch, MatchQuery, MatchResult
from perisai.banks.rows import case_numbers, chunks, utc
from perisai.banks.signals import get_signal_type
from perisai.banks.tables import bank_hashes
from perisai.storage.db import Database

#: Queries sent to an index at once.
QUERY_BATCH = 256

#: For each query: hash id -> (best hit, variant that gave it).
Hits = dict[int, dict[int, tuple[IndexHit, int]]]


class Matcher:
    def __init__(self, db: Database, clock: Callable[[], datetime], live: LiveIndexes) -> None:
        self.db = db
        self.clock = clock
        self.live = live

    def match(self, queries: Sequence[MatchQuery]) -> list[MatchResult]:
        banks_now = dict(self.live.banks)
        skipped: dict[int, str] = {}
        lookups = self._lookups(queries, skipped)
        hits: Hits = defaultdict(dict)
        enabled = [b.match_distance for b in banks_now.values() if b.enabled]
        for name, items in lookups.items():
            index = self.live.indexes.get(name)
            if not enabled or index is None:
                continue
            kind = get_signal_type(name)
            radius = min(max(enabled), kind.max_match_distance) if kind.max_match_distance else 0
            for part in chunks(items, QUERY_BATCH):
                for hit in index.query([v for _, _, v in part], radius):
                    qi, variant, _ = part[hit.query]
                    bank = banks_now.get(hit.group)
                    if bank is None or not bank.enabled:
                        continue
                    if kind.max_match_distance and hit.distance > bank.match_distance:
                        continue
                    if variant and not bank.match_dihedral:
                        continue
                    best = hits[qi].get(hit.id)
                    if best is None or hit.distance < best[0].distance:
                        hits[qi][hit.id] = (hit, variant)
        quarantined = self._count(hits, banks_now)
        details = self._details({hid for per in hits.values() for hid in per})
        return [
            self._result(qi, q, hits.get(qi, {}), banks_now, details, quarantined, skipped)
            for qi, q in enumerate(queries)
        ]

    @staticmethod
    def _lookups(
        queries: Sequence[MatchQuery], skipped: dict[int, str]
    ) -> dict[str, list[tuple[int, int, str]]]:
        """(query, variant, value) per signal type; bad input names its field."""
        lookups: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for qi, q in enumerate(queries):
            try:
                kind = get_signal_type(q.signal_type)
            except ValueError as exc:
                raise BankError(str(exc), f"queries[{qi}].signal_type") from None
            threshold = kind.quality_threshold
            if q.quality is not None and threshold is not None and q.quality < threshold:
                skipped[qi] = f"quality {q.quality} is below {threshold}: too featureless to match"
                continue
            for variant, value in enumerate((q.value, *q.variants)):
                try:
                    lookups[kind.name].append((qi, variant, kind.validate(value)))
                except ValueError as exc:
                    where = "value" if variant == 0 else f"variants[{variant - 1}]"
                    raise BankError(str(exc), f"queries[{qi}].{where}") from None
        return lookups

    @staticmethod
    def _result(
        qi: int,
        query: MatchQuery,
        hits: dict[int, tuple[IndexHit, int]],
        banks_now: dict[int, Bank],
        details: dict[int, RowMapping],
        quarantined: set[int],
        skipped: dict[int, str],
    ) -> MatchResult:
        ordered = sorted(hits.items(), key=lambda kv: (kv[1][0].distance, kv[0]))
        found = [
            _bank_match(banks_now[hit.group], details[hid], hit, variant)
            for hid, (hit, variant) in ordered
            if hid in details
        ]
        flooded = tuple(m for m in found if m.hash_id in quarantined)
        live = [m for m in found if m.hash_id not in quarantined]
        allow = tuple(m for m in live if m.bank_kind == "allow")
        block = tuple(m for m in live if m.bank_kind == "block")
        return MatchResult(
            query=qi,
            signal_type=get_signal_type(query.signal_type).name,
            value=query.value,
            matches=() if allow else block,
            allowed_by=allow,
            suppressed=block if allow else (),
            quarantined=flooded,
            skipped=skipped.get(qi),
        )

    def _count(self, hits: Hits, banks_now: dict[int, Bank]) -> set[int]:
        """Count matches per hash; quarantine hashes over their flood limit."""
        counts: dict[int, int] = defaultdict(int)
        groups: dict[int, int] = {}
        for per_query in hits.values():
            for hid, (hit, _) in per_query.items():
                counts[hid] += 1
                groups[hid] = hit.group
        if not counts:
            return set()
        now = self.clock()
        quarantined: dict[int, str] = {}
        with self.db.begin_write() as conn:
            windows = {
                r.id: r
                for r in conn.execute(
                    select(
                        bank_hashes.c.id,
                        bank_hashes.c.signal_type,
                        bank_hashes.c.window_started_at,
                        bank_hashes.c.window_matches,
                    ).where(bank_hashes.c.id.in_(list(counts)))
                )
            }
            params = []
            for hid, n in counts.items():
                bank = banks_now[groups[hid]]
                row = windows.get(hid)
                if row is None:
                    continue
                started, in_window, tripped = flood.count(
                    bank.flood_max_matches,
                    bank.flood_window_seconds,
                    utc(row.window_started_at),
                    row.window_matches,
                    n,
                    now,
                )
                params.append(
                    {
                        "hid": hid,
                        "n": n,
                        "started": started,
                        "in_window": in_window,
                        "tripped": tripped,
                        "reason": flood.reason(bank, in_window) if tripped else None,
                        "changed": now,
                    }
                )
                if tripped:
                    quarantined[hid] = row.signal_type
            _write_counts(conn, params, now)
        by_type: dict[str, list[int]] = defaultdict(list)
        for hid, signal_type in quarantined.items():
            by_type[signal_type].append(hid)
        for signal_type, ids in by_type.items():
            self.live.remove(signal_type, ids)
        return set(quarantined)

    def _details(self, ids: set[int]) -> dict[int, RowMapping]:
        out: dict[int, RowMapping] = {}
        with self.db.connect() as conn:
            for part in chunks(sorted(ids)):
                query = select(bank_hashes).where(bank_hashes.c.id.in_(part))
                for r in conn.execute(query).mappings():
                    out[r["id"]] = r
        return out


def _write_counts(conn: Connection, params: list[dict[str, Any]], now: datetime) -> None:
    plain = [p for p in params if not p["tripped"]]
    tripped = [p for p in params if p["tripped"]]
    counter = {
        "match_count": bank_hashes.c.match_count + bindparam("n"),
        "last_matched_at": now,
        "window_started_at": bindparam("started"),
        "window_matches": bindparam("in_window"),
    }
    where = bank_hashes.c.id == bindparam("hid")
    if plain:
        conn.execute(update(bank_hashes).where(where).values(**counter), plain)
    if tripped:
        conn.execute(
            update(bank_hashes)
            .where(where)
            .values(
                status="quarantined",
                status_reason=bindparam("reason"),
                status_changed_at=bindparam("changed"),
                **counter,
            ),
            tripped,
        )


def _bank_match(bank: Bank, row: RowMapping, hit: IndexHit, variant: int) -> BankMatch:
    distance_based = bool(get_signal_type(row["signal_type"]).max_match_distance)
    return BankMatch(
        bank=bank.name,
        bank_kind=bank.kind,
        bank_provenance=bank.provenance,
        hash_id=hit.id,
        signal_type=row["signal_type"],
        value=row["value"] or "",
        distance=hit.distance,
        threshold=bank.match_distance if distance_based else 0,
        variant=variant,
        source=row["source"],
        external_id=row["external_id"],
        case_count=len(case_numbers(row["case_numbers"])),
        added_at=utc(row["added_at"]) or datetime.min.replace(tzinfo=UTC),
    )
