"""The Alembic migrations create exactly the tables the code declares, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, text

from perisai.storage.db import Database, load_all_tables

PG_URL = os.environ.get("PERISAI_TEST_POSTGRES_URL")


def _backends() -> list[object]:
    return [
        "sqlite",
        pytest.param(
            "postgres",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(not PG_URL, reason="PERISAI_TEST_POSTGRES_URL is not set"),
            ],
        ),
    ]


@pytest.fixture(params=_backends())
def database(request: pytest.FixtureRequest, tmp_path) -> Iterator[Database]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'm.db'}")
        yield db
        db.dispose()
        return
    assert PG_URL
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    yield db
    db.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


def test_migrations_match_declared_tables(database: Database) -> None:
    database.upgrade()
    metadata = load_all_tables()
    with database.engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(ctx, metadata)
    assert diff == [], f"migrations and tables.py disagree: {diff}"


def test_upgrade_is_idempotent(database: Database) -> None:
    database.upgrade()
    database.upgrade()
    with database.engine.connect() as conn:
        heads = set(MigrationContext.configure(conn).get_current_heads())
    assert "0001_keys" in heads and "0001_gate" in heads
