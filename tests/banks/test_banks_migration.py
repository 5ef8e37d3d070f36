"""The banks migrations create exactly what perisai.banks.tables declares."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

import perisai.banks.tables  # noqa: F401
from perisai.storage.db import Database, metadata

BANK_TABLES = {"banks", "bank_hashes"}


def ours(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return getattr(table, "name", None) in BANK_TABLES


def test_migration_matches_tables(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade()
    with db.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"include_object": ours, "compare_type": True}
        )
        diff = compare_metadata(context, metadata)
    db.dispose()
    assert diff == []


def test_existing_banks_keep_dihedral_matching_after_upgrade(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from sqlalchemy import text

    db = Database(f"sqlite:///{tmp_path / 'm.db'}")
    db.upgrade("0001_banks")
    now = datetime.now(UTC)
    with db.engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO banks (name, kind, provenance, description, enabled, match_distance,"
                " created_at, created_by, updated_at) VALUES ('old', 'block', 'other', '', 1, 31,"
                " :now, 'test', :now)"
            ),
            {"now": now},
        )
    db.upgrade()
    with db.connect() as conn:
        row = conn.execute(text("SELECT name, match_dihedral FROM banks")).one()
    db.dispose()
    assert row.name == "old" and bool(row.match_dihedral) is True
