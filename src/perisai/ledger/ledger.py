"""The ledger: an append-only, hash-chained record of every decision and case
action, with signed checkpoints.

Appends run in one write transaction that first locks the head row
(PostgreSQL ``SELECT ... FOR UPDATE``; SQLite ``BEGIN IMMEDIATE`` via
``Database.begin_write``), reads the current head, chains the new entries onto
it, inserts them and moves the head. Writers in any number of threads or
processes therefore queue behind each other and can never fork the chain; the
unique constraints on ``seq``, ``prev_hash`` and ``entry_hash`` are the
backstop. The expensive part of an append (canonical JSON) happens before the
lock is taken; inside it there is one SHA-256 per entry and one multi-row
INSERT, so batching (``append_many`` or :class:`LedgerWriter`) is how
throughput targets are met.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, wait
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError

from perisai.ledger.chain import (
    GENESIS_HASH,
    MAX_PAYLOAD_BYTES,
    CanonicalJSONError,
    canonical_json,
    entry_hash,
)
from perisai.ledger.checkpoints import Checkpoint, CheckpointSigner
from perisai.ledger.tables import ledger_checkpoints, ledger_entries, ledger_head
from perisai.ledger.verify import ChainVerifier, Row, VerifyReport
from perisai.storage.db import Database

MAX_KIND_CHARS = 64
MAX_SUBJECT_CHARS = 200
#: Rows fetched per query when streaming entries.
CHUNK_SIZE = 5000


class LedgerError(Exception):
    """An append or query the ledger refuses (message says why)."""


def utc_timestamp(moment: datetime | None = None) -> str:
    """Fixed-width ISO-8601 UTC with microseconds: ``2026-01-05T09:14:03.120391Z``.
    Naive datetimes are taken to be UTC."""
    moment = moment or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    seq: int
    created_at: str
    kind: str
    subject_id: str | None
    #: Canonical JSON exactly as hashed and stored.
    payload_json: str
    prev_hash: str
    entry_hash: str

    @property
    def payload(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.payload_json)
        return value

    @property
    def timestamp(self) -> datetime:
        return datetime.strptime(self.created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)

    def row(self) -> Row:
        return (
            self.seq,
            self.created_at,
            self.kind,
            self.subject_id,
            self.payload_json,
            self.prev_hash,
            self.entry_hash,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "created_at": self.created_at,
            "kind": self.kind,
            "subject_id": self.subject_id,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "entry_hash": self.entry_hash,
        }

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> LedgerEntry:
        return cls(*row)


@dataclass(frozen=True, slots=True)
class PreparedEntry:
    """An entry validated and serialised, waiting for its seq and prev_hash."""

    kind: str
    payload_json: str
    subject_id: str | None


def prepare_entry(kind: str, payload: Mapping[str, Any], subject_id: str | None) -> PreparedEntry:
    """Validate one append; raise LedgerError naming the bad argument."""
    if not isinstance(kind, str) or not kind or len(kind) > MAX_KIND_CHARS:
        raise LedgerError(f"kind must be a non-empty string of at most {MAX_KIND_CHARS} characters")
    if not all(c.isascii() and (c.isalnum() or c in "._-") for c in kind):
        raise LedgerError(f"kind {kind!r}: use only ASCII letters, digits, '.', '_' and '-'")
    if subject_id is not None:
        if not isinstance(subject_id, str) or not subject_id or len(subject_id) > MAX_SUBJECT_CHARS:
            raise LedgerError(
                f"subject_id must be None or a non-empty string of at most {MAX_SUBJECT_CHARS} "
                "characters"
            )
        if any(not c.isprintable() for c in subject_id):
            raise LedgerError(f"subject_id {subject_id!r} contains control characters")
    if not isinstance(payload, Mapping):
        raise LedgerError(f"payload must be a mapping (JSON object), not {type(payload).__name__}")
    try:
        text = canonical_json(dict(payload))
        size = len(text.encode("utf-8"))
    except CanonicalJSONError as exc:
        raise LedgerError(f"payload is not valid ledger JSON: {exc}") from None
    if size > MAX_PAYLOAD_BYTES:
        raise LedgerError(
            f"payload is {size} bytes; the ledger accepts at most {MAX_PAYLOAD_BYTES}"
        )
    return PreparedEntry(kind, text, subject_id)


_ENTRY_COLUMNS = (
    ledger_entries.c.seq,
    ledger_entries.c.created_at,
    ledger_entries.c.kind,
    ledger_entries.c.subject_id,
    ledger_entries.c.payload,
    ledger_entries.c.prev_hash,
    ledger_entries.c.entry_hash,
)


class Ledger:
    """The ledger in one database. ``signer`` (optional) signs a checkpoint at
    every ``checkpoint_every``-th entry and on demand; ``checkpoint_every=0``
    turns the automatic ones off."""

    def __init__(
        self,
        db: Database,
        signer: CheckpointSigner | None = None,
        checkpoint_every: int = 1000,
    ) -> None:
        self.db = db
        self.signer = signer
        self.checkpoint_every = checkpoint_every

    # -- writing ---------------------------------------------------------

    def append(
        self, kind: str, payload: Mapping[str, Any], subject_id: str | None = None
    ) -> LedgerEntry:
        """Append one entry in its own transaction."""
        return self.append_prepared([prepare_entry(kind, payload, subject_id)])[0]

    def append_many(
        self, items: Sequence[tuple[str, Mapping[str, Any], str | None]]
    ) -> list[LedgerEntry]:
        """Append several entries in one transaction (all or none)."""
        prepared = []
        for index, item in enumerate(items):
            try:
                kind, payload, subject_id = item
            except (TypeError, ValueError):
                raise LedgerError(
                    f"item {index}: expected (kind, payload, subject_id), got {item!r:.80}"
                ) from None
            try:
                prepared.append(prepare_entry(kind, payload, subject_id))
            except LedgerError as exc:
                raise LedgerError(f"item {index}: {exc}") from None
        return self.append_prepared(prepared)

    def append_prepared(self, prepared: Sequence[PreparedEntry]) -> list[LedgerEntry]:
        """Chain already-validated entries onto the head, in one transaction."""
        if not prepared:
            return []
        try:
            with self.db.begin_write() as conn:
                head_seq, head_hash = self._lock_head(conn)
                created_at = utc_timestamp()
                entries: list[LedgerEntry] = []
                prev, seq = head_hash, head_seq
                for item in prepared:
                    seq += 1
                    digest = entry_hash(
                        seq, created_at, item.kind, item.subject_id, item.payload_json, prev
                    )
                    entries.append(
                        LedgerEntry(
                            seq,
                            created_at,
                            item.kind,
                            item.subject_id,
                            item.payload_json,
                            prev,
                            digest,
                        )
                    )
                    prev = digest
                conn.execute(
                    insert(ledger_entries),
                    [
                        {
                            "seq": e.seq,
                            "created_at": e.created_at,
                            "kind": e.kind,
                            "subject_id": e.subject_id,
                            "payload": e.payload_json,
                            "prev_hash": e.prev_hash,
                            "entry_hash": e.entry_hash,
                        }
                        for e in entries
                    ],
                )
                conn.execute(
                    update(ledger_head)
                    .where(ledger_head.c.id == 1)
                    .values(seq=seq, entry_hash=prev)
                )
                every = self.checkpoint_every
                if self.signer is not None and every > 0:
                    # One checkpoint at every multiple of ``every`` the batch passes.
                    for entry in entries:
                        if entry.seq % every == 0:
                            self._write_checkpoint(conn, entry.seq, entry.entry_hash)
        except IntegrityError as exc:
            # Only reachable if something bypassed the head lock.
            raise LedgerError(
                f"append refused by the chain's unique constraints: {exc.orig}"
            ) from exc
        return entries

    def _lock_head(self, conn: Connection) -> tuple[int, str]:
        stmt = select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
        if not self.db.is_sqlite:
            stmt = stmt.with_for_update()
        row = conn.execute(stmt).first()
        if row is None:
            # Tables made without the migration's seed row: start from the stored tail.
            last = conn.execute(
                select(ledger_entries.c.seq, ledger_entries.c.entry_hash)
                .order_by(ledger_entries.c.seq.desc())
                .limit(1)
            ).first()
            values = {
                "id": 1,
                "seq": last[0] if last else 0,
                "entry_hash": last[1] if last else GENESIS_HASH,
            }
            dialect_insert = sqlite.insert if self.db.is_sqlite else postgresql.insert
            conn.execute(dialect_insert(ledger_head).values(**values).on_conflict_do_nothing())
            row = conn.execute(stmt).one()
        return int(row[0]), str(row[1])

    def _write_checkpoint(self, conn: Connection, seq: int, digest: str) -> Checkpoint:
        assert self.signer is not None
        checkpoint = self.signer.sign(seq, digest, utc_timestamp())
        conn.execute(insert(ledger_checkpoints).values(**checkpoint.to_dict()))
        return checkpoint

    def checkpoint(self) -> Checkpoint:
        """Sign the current head now and store the checkpoint."""
        if self.signer is None:
            raise LedgerError(
                "no ledger signing key configured: set PERISAI_LEDGER_KEY to a key made by "
                "`perisai ledger keygen`"
            )
        with self.db.begin_write() as conn:
            seq, digest = self._lock_head(conn)
            if seq == 0:
                raise LedgerError("the ledger is empty: nothing to checkpoint")
            # Never sign over a state the head row and the entries disagree on.
            last = conn.execute(
                select(ledger_entries.c.seq, ledger_entries.c.entry_hash)
                .order_by(ledger_entries.c.seq.desc())
                .limit(1)
            ).first()
            if last is None or (int(last[0]), str(last[1])) != (seq, digest):
                stored = f"entry {last[0]}" if last else "no entries"
                raise LedgerError(
                    f"refusing to sign: the ledger head records entry {seq} but the newest stored "
                    f"entry is {stored}; run `perisai ledger verify`"
                )
            return self._write_checkpoint(conn, seq, digest)

    # -- reading ---------------------------------------------------------

    def head(self) -> LedgerEntry | None:
        with self.db.connect() as conn:
            row = conn.execute(
                select(*_ENTRY_COLUMNS).order_by(ledger_entries.c.seq.desc()).limit(1)
            ).first()
        return LedgerEntry.from_row(row) if row else None

    def get(self, seq: int) -> LedgerEntry | None:
        with self.db.connect() as conn:
            row = conn.execute(select(*_ENTRY_COLUMNS).where(ledger_entries.c.seq == seq)).first()
        return LedgerEntry.from_row(row) if row else None

    def entries(
        self,
        since: datetime | None = None,
        kind: str | None = None,
        subject_id: str | None = None,
        *,
        after_seq: int = 0,
        upto_seq: int | None = None,
        chunk_size: int = CHUNK_SIZE,
    ) -> Iterator[LedgerEntry]:
        """Entries in seq order, fetched ``chunk_size`` at a time (one short
        query each, so a slow consumer holds no transaction open)."""
        last = after_seq
        while True:
            stmt = select(*_ENTRY_COLUMNS).where(ledger_entries.c.seq > last)
            if upto_seq is not None:
                stmt = stmt.where(ledger_entries.c.seq <= upto_seq)
            if since is not None:
                stmt = stmt.where(ledger_entries.c.created_at >= utc_timestamp(since))
            if kind is not None:
                stmt = stmt.where(ledger_entries.c.kind == kind)
            if subject_id is not None:
                stmt = stmt.where(ledger_entries.c.subject_id == subject_id)
            stmt = stmt.order_by(ledger_entries.c.seq).limit(chunk_size)
            with self.db.connect() as conn:
                rows = conn.execute(stmt).all()
            for row in rows:
                yield LedgerEntry.from_row(row)
            if len(rows) < chunk_size:
                return
            last = rows[-1][0]

    def checkpoints(self, min_seq: int = 0) -> list[Checkpoint]:
        with self.db.connect() as conn:
            return _read_checkpoints(conn, min_seq)

    def recorded_head(self) -> tuple[int, str]:
        """(seq, hash) from the head row: what the last append recorded."""
        with self.db.connect() as conn:
            row = conn.execute(
                select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
            ).first()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS_HASH)

    # -- verification ----------------------------------------------------

    def _stream_all_rows(self, conn: Connection) -> Iterator[Sequence[Row]]:
        return _stream_rows_raw(conn, self.db.is_sqlite, 20_000)

    def trusted_keys(
        self, public_keys: Sequence[Ed25519PublicKey] | None = None
    ) -> list[Ed25519PublicKey] | None:
        if public_keys is not None:
            return list(public_keys)
        if self.signer is not None:
            return [self.signer.public_key]
        return None

    def verify(
        self,
        public_keys: Sequence[Ed25519PublicKey] | None = None,
        max_problems: int = 1000,
    ) -> VerifyReport:
        """Check the whole chain, its checkpoints and head row in one
        consistent snapshot. ``public_keys`` default to the signer's."""
        verifier = ChainVerifier(max_problems=max_problems)
        with self.db.connect() as conn:
            if not self.db.is_sqlite:
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                head_row = conn.execute(
                    select(ledger_head.c.seq, ledger_head.c.entry_hash).where(ledger_head.c.id == 1)
                ).first()
                checkpoints = _read_checkpoints(conn, 0)
                for rows in self._stream_all_rows(conn):
                    verifier.feed_all(rows)
        recorded = (int(head_row[0]), str(head_row[1])) if head_row else None
        return verifier.finish(checkpoints, self.trusted_keys(public_keys), recorded)


_STREAM_SQL = (
    "SELECT seq, created_at, kind, subject_id, payload, prev_hash, entry_hash "
    "FROM ledger_entries ORDER BY seq"
)


def _stream_rows_raw(conn: Connection, is_sqlite: bool, chunk: int) -> Iterator[Sequence[Row]]:
    """Every entry in seq order through the raw driver cursor, inside the
    caller's transaction: plain tuples (no per-row SQLAlchemy objects), and
    on PostgreSQL a server-side cursor so memory stays flat."""
    dbapi_conn: Any = conn.connection.dbapi_connection
    cursor = (
        dbapi_conn.cursor() if is_sqlite else dbapi_conn.cursor(name=f"ledger_verify_{id(conn):x}")
    )
    try:
        if not is_sqlite:
            cursor.itersize = chunk
        cursor.execute(_STREAM_SQL)
        while rows := cursor.fetchmany(chunk):
            yield cast(Sequence[Row], rows)
    finally:
        cursor.close()


def _read_checkpoints(conn: Connection, min_seq: int) -> list[Checkpoint]:
    rows = conn.execute(
        select(
            ledger_checkpoints.c.seq,
            ledger_checkpoints.c.entry_hash,
            ledger_checkpoints.c.created_at,
            ledger_checkpoints.c.key_id,
            ledger_checkpoints.c.public_key,
            ledger_checkpoints.c.signature,
        )
        .where(ledger_checkpoints.c.seq >= min_seq)
        .order_by(ledger_checkpoints.c.seq, ledger_checkpoints.c.id)
    ).all()
    return [Checkpoint(*row) for row in rows]


class LedgerWriter:
    """Collects appends from many threads and writes them in batches.

    ``submit`` validates in the caller's thread (bad payloads fail at once)
    and returns a Future that resolves to the stored entry, or to the error
    that stopped its batch. One background thread writes whatever has queued
    up, up to ``max_batch`` entries per transaction, so under load each
    transaction carries many entries and when idle an entry waits for no one.
    ``close`` writes everything still queued before returning.
    """

    def __init__(self, ledger: Ledger, max_batch: int = 1000) -> None:
        self.ledger = ledger
        self.max_batch = max_batch
        self._pending: list[tuple[PreparedEntry, Future[LedgerEntry]]] = []
        self._cond = threading.Condition()
        self._closed = False
        self._last: Future[LedgerEntry] | None = None
        self._thread = threading.Thread(target=self._run, name="ledger-writer", daemon=True)
        self._thread.start()

    def submit(
        self, kind: str, payload: Mapping[str, Any], subject_id: str | None = None
    ) -> Future[LedgerEntry]:
        prepared = prepare_entry(kind, payload, subject_id)
        future: Future[LedgerEntry] = Future()
        with self._cond:
            if self._closed:
                raise LedgerError("the ledger writer is closed")
            self._pending.append((prepared, future))
            self._last = future
            self._cond.notify()
        return future

    def flush(self, timeout: float | None = None) -> None:
        """Wait until everything submitted so far is written (or has failed:
        failures are reported through each entry's future)."""
        with self._cond:
            last = self._last
        if last is not None:
            wait([last], timeout=timeout)

    def append(
        self, kind: str, payload: Mapping[str, Any], subject_id: str | None = None
    ) -> LedgerEntry:
        """Submit and wait until the entry is stored."""
        return self.submit(kind, payload, subject_id).result()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending and self._closed:
                    return
                batch = self._pending[: self.max_batch]
                del self._pending[: self.max_batch]
            try:
                stored = self.ledger.append_prepared([item for item, _ in batch])
            except BaseException as exc:  # every waiter must hear about the failure
                for _, future in batch:
                    future.set_exception(exc)
                continue
            for entry, (_, future) in zip(stored, batch, strict=True):
                future.set_result(entry)

    def close(self) -> None:
        """Write everything queued, then stop the background thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join()

    def __enter__(self) -> LedgerWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
