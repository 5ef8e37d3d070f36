"""Engine construction, connection pragmas and schema migration.

Every table in Perisai is declared with SQLAlchemy Core on ``metadata`` in the
module that owns it (``perisai.ledger.tables``, ``perisai.banks.tables`` ...).
Alembic migrations under ``storage/migrations/versions`` create them; the
test-suite checks that the migrations and the declared tables agree.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: only threads are serialised
    fcntl = None  # type: ignore[assignment]

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


class WriteLock:
    """Serialises the write transactions of ``Database.begin_write`` on one
    SQLite file: across the threads of a process (a lock) and across processes
    (``flock`` on a side file ``<database>-writelock``).

    SQLite lets one writer in at a time and makes the others wait by polling:
    its busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries, so a
    writer that finds the lock taken often sleeps long after it was freed (with
    two server workers appending to the ledger, that was most of the p99
    latency). Waiting here instead blocks in the kernel and wakes as soon as
    the holder commits. Re-entrant within a thread.
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._lock = threading.RLock()
        self._depth = 0
        self._fd: int | None = None
        self._pid = 0

    def _file(self) -> int | None:
        if self.path is None or fcntl is None:
            return None
        if self._fd is None or self._pid != os.getpid():
            # a forked child must not share the parent's open file (and lock)
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self._pid = os.getpid()
        return self._fd

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._lock:
            fd = self._file() if self._depth == 0 else None
            if fd is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)  # blocks without holding the GIL
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if fd is not None:
                    fcntl.flock(fd, fcntl.LOCK_UN)


class Database:
    """A database URL, its engine, and migrations to the current schema."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = make_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        lock_path: Path | None = None
        if self.is_sqlite:
            database = self.url.database
            if database and database != ":memory:" and not database.startswith("file:"):
                Path(database).parent.mkdir(parents=True, exist_ok=True)
                lock_path = Path(f"{database}-writelock")
            engine_kwargs.setdefault("connect_args", {"check_same_thread": False})
        else:
            engine_kwargs.setdefault("pool_pre_ping", True)
        self.engine: Engine = create_engine(self.url, **engine_kwargs)
        # Other databases queue writers themselves (row locks); only SQLite's
        # single writer lock needs the help of ``WriteLock``.
        self.write_lock = WriteLock(lock_path) if self.is_sqlite else None
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
        (SQLite: BEGIN IMMEDIATE, after waiting in ``WriteLock`` for the
        writers of this and other processes). Use it for read-modify-write
        sequences and for writes on a hot path."""
        if self.write_lock is None:
            with self.engine.execution_options(write_lock=True).begin() as conn:
                yield conn
            return
        with self.write_lock.hold(), self.engine.execution_options(write_lock=True).begin() as conn:
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
