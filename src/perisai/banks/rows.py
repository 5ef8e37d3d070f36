"""Database rows to bank values, and small helpers shared by the bank modules."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import RowMapping

from perisai.banks.models import Bank, HashRecord

#: Rows read or written per statement.
CHUNK = 2000


def value_digest(signal_type: str, value: str) -> str:
    """What a tombstone keeps of a hash: enough to recognise it, not to match it."""
    return hashlib.sha256(f"{signal_type}:{value}".encode()).hexdigest()


def utc(value: datetime | None) -> datetime | None:
    """SQLite returns naive datetimes; every stored time is UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def case_numbers(text: str | None) -> tuple[str, ...]:
    return tuple(json.loads(text)) if text else ()


def bank_from_row(row: RowMapping) -> Bank:
    return Bank(
        id=row["id"],
        name=row["name"],
        kind=row["kind"],
        provenance=row["provenance"],
        description=row["description"],
        enabled=bool(row["enabled"]),
        match_distance=row["match_distance"],
        match_dihedral=bool(row["match_dihedral"]),
        flood_max_matches=row["flood_max_matches"],
        flood_window_seconds=row["flood_window_seconds"],
        created_at=utc(row["created_at"]),  # type: ignore[arg-type]
        created_by=row["created_by"],
        updated_at=utc(row["updated_at"]),  # type: ignore[arg-type]
    )


def record_from_row(row: RowMapping) -> HashRecord:
    """A hash row joined with its bank's name (``bank_name``)."""
    return HashRecord(
        id=row["id"],
        bank=row["bank_name"],
        signal_type=row["signal_type"],
        value=row["value"],
        status=row["status"],
        quality=row["quality"],
        source=row["source"],
        external_id=row["external_id"],
        case_numbers=case_numbers(row["case_numbers"]),
        added_at=utc(row["added_at"]),  # type: ignore[arg-type]
        added_by=row["added_by"],
        status_changed_at=utc(row["status_changed_at"]),  # type: ignore[arg-type]
        status_reason=row["status_reason"],
        match_count=row["match_count"],
        last_matched_at=utc(row["last_matched_at"]),
    )


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
