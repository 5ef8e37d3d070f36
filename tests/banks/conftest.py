"""Fixtures for the bank tests: a migrated database on SQLite, and on
PostgreSQL too when PERISAI_TEST_POSTGRES_URL is set (each run in its own
schema, dropped afterwards)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from banks_support import FakeClock
from sqlalchemy import create_engine, text

from perisai.banks.service import BankService
from perisai.storage.db import Database

PG_URL = os.environ.get("PERISAI_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def make_database(backend: str, tmp_path: Path) -> Iterator[Database]:
    if backend == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'banks.db'}")
        db.upgrade()
        yield db
        db.dispose()
        return
    if not PG_URL:
        pytest.skip("PERISAI_TEST_POSTGRES_URL is not set")
    schema = f"banks_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db = Database(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    try:
        db.upgrade()
        yield db
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    yield from make_database(request.param, tmp_path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def service(db: Database, clock: FakeClock) -> BankService:
    return BankService(db, clock=clock, sync_interval=0.0)
