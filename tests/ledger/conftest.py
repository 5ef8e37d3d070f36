"""Ledger fixtures: every test runs on SQLite and on PostgreSQL.

PostgreSQL comes from PERISAI_TEST_POSTGRES_URL; each test gets its own
freshly created schema (selected with ``search_path`` in the URL, so child
processes and CLI runs given the URL see the same schema) and drops it after.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from perisai.ledger import Ledger
from perisai.storage.db import Database

POSTGRES_ENV = "PERISAI_TEST_POSTGRES_URL"

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"{POSTGRES_ENV} is not set; set it to a PostgreSQL URL to run this backend")
    schema = f"ledger_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # server down: skip with the reason rather than erroring
        admin.dispose()
        pytest.skip(f"PostgreSQL at {POSTGRES_ENV} is unreachable: {exc}")
    sep = "&" if "?" in base else "?"
    yield f"{base}{sep}options={quote(f'-csearch_path={schema}')}"
    with admin.connect() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    database.upgrade("ledger@head")
    yield database
    database.dispose()


@pytest.fixture
def ledger(db: Database) -> Ledger:
    return Ledger(db)
