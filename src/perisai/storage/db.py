"""Engine construction, connection pragmas and schema migration.

Every table in Perisai is declared with SQLAlchemy Core on ``metadata`` in the
module that owns it (``perisai.ledger.tables``, ``perisai.banks.tables`` ...).
Alembic migrations under ``storage/migrations/versions`` create them; the
test-suite checks that the migrations and the declared tables agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, MetaData, create_engine, event
from sqlalchemy.engine import make_url

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    # pysqlite defers BEGIN until the first write, which would let two writers
    # read the same ledger head. Writers ask for BEGIN IMMEDIATE (the
    # ``write_lock`` execution option) to take the write lock up front.
    if conn.get_execution_options().get("write_lock"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


class Database:
    """A database URL, its engine, and migrations to the current schema."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:":
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine_kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            engine_kwargs.setdefault("pool_pre_ping", True)
        self.engine: Engine = create_engine(self.url, **engine_kwargs)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # Let SQLAlchemy, not pysqlite, control transactions.
            event.listen(
                self.engine,
                "connect",
                lambda dbapi_conn, _rec: setattr(dbapi_conn, "isolation_level", None),
            )
            event.listen(self.engine, "begin", _sqlite_begin)

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        with self.engine.begin() as conn:
            yield conn

    @contextmanager
    def begin_write(self) -> Iterator[Connection]:
        """A transaction that holds the database write lock from its start
        (SQLite: BEGIN IMMEDIATE). Use it for read-modify-write sequences."""
        with self.engine.execution_options(write_lock=True).begin() as conn:
            yield conn

    @contextmanager
    def connect(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def upgrade(self, revision: str = "heads") -> None:
        """Bring the schema up to ``revision`` with Alembic."""
        from alembic import command

        with self.engine.begin() as conn:
            cfg = alembic_config(self.url.render_as_string(hide_password=False))
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, revision)

    def current_revision(self) -> str | None:
        from alembic.runtime.migration import MigrationContext

        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    def dispose(self) -> None:
        self.engine.dispose()


def alembic_config(url: str) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def load_all_tables() -> MetaData:
    """Import every module that declares tables, so ``metadata`` is complete."""
    import importlib
    import pkgutil

    import perisai

    for mod in pkgutil.walk_packages(perisai.__path__, "perisai."):
        if mod.name.endswith(".tables"):
            importlib.import_module(mod.name)
    return metadata
