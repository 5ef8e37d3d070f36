"""Ledger tables.

``ledger_entries`` holds the hash chain itself. ``created_at`` is stored as a
fixed-width ISO-8601 UTC string (``2026-01-05T09:14:03.120391Z``) rather than a
timestamp column: the string is hashed, so it must come back byte for byte on
both SQLite and PostgreSQL, and fixed width keeps string order equal to time
order for ``since`` queries.

``ledger_head`` has exactly one row (id 1): the seq and hash of the newest
entry. Every append locks that row (PostgreSQL ``SELECT ... FOR UPDATE``;
SQLite takes the whole-database write lock with ``BEGIN IMMEDIATE``), which is
what serialises writers across processes. The unique constraints on ``seq``,
``prev_hash`` and ``entry_hash`` are the backstop: two entries can never claim
the same parent, so the chain cannot fork even if the lock were bypassed.

``ledger_checkpoints`` holds Ed25519 signatures over (seq, entry_hash) of the
head at some moment. The stored public key is informational only: verifiers
use keys they were given, never the one in the table.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, Integer, String, Table, Text

from perisai.storage.db import metadata

#: BIGINT on PostgreSQL; plain INTEGER on SQLite so the key is the rowid.
SeqType = BigInteger().with_variant(Integer(), "sqlite")

ledger_entries = Table(
    "ledger_entries",
    metadata,
    Column("seq", SeqType, primary_key=True, autoincrement=False),
    Column("created_at", String(32), nullable=False),
    Column("kind", String(64), nullable=False),
    Column("subject_id", String(200), nullable=True),
    Column("payload", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False, unique=True),
    Column("entry_hash", String(64), nullable=False, unique=True),
    Index("ix_ledger_entries_subject_id", "subject_id"),
    Index("ix_ledger_entries_created_at", "created_at"),
)

ledger_head = Table(
    "ledger_head",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", SeqType, nullable=False),
    Column("entry_hash", String(64), nullable=False),
)

ledger_checkpoints = Table(
    "ledger_checkpoints",
    metadata,
    Column("id", SeqType, primary_key=True, autoincrement=True),
    Column("seq", SeqType, nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("public_key", String(64), nullable=False),
    Column("signature", String(128), nullable=False),
    Index("ix_ledger_checkpoints_seq", "seq"),
)
