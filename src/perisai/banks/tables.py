"""Bank tables.

``bank_hashes`` keeps one row per (bank, signal type, value). A withdrawn or
deleted hash becomes a tombstone: its value and identifying provenance are
erased, and only a SHA-256 digest of ``"<signal type>:<value>"`` stays, with
the status and when it changed, so a later import of the same hash is
recognised (and not resurrected) without keeping the hash itself.
"""

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    true,
)

from perisai.storage.db import metadata

#: SQLite only auto-increments an INTEGER PRIMARY KEY.
IdType = BigInteger().with_variant(Integer, "sqlite")

banks = Table(
    "banks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("kind", String(16), nullable=False),
    Column("provenance", String(40), nullable=False),
    Column("description", String(1000), nullable=False, server_default=""),
    Column("enabled", Boolean, nullable=False, server_default=true()),
    Column("match_distance", Integer, nullable=False),
    Column("match_dihedral", Boolean, nullable=False, server_default=true()),
    Column("flood_max_matches", Integer, nullable=True),
    Column("flood_window_seconds", Integer, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

bank_hashes = Table(
    "bank_hashes",
    metadata,
    Column("id", IdType, primary_key=True, autoincrement=True),
    Column("bank_id", Integer, ForeignKey("banks.id", ondelete="CASCADE"), nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(128), nullable=True),
    Column("value_digest", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("quality", Integer, nullable=True),
    Column("source", String(40), nullable=False),
    Column("external_id", String(200), nullable=True),
    Column("case_numbers", Text, nullable=True),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(200), nullable=True),
    Column("status_changed_at", DateTime(timezone=True), nullable=False),
    Column("status_reason", String(200), nullable=True),
    Column("match_count", Integer, nullable=False, server_default="0"),
    Column("last_matched_at", DateTime(timezone=True), nullable=True),
    Column("window_started_at", DateTime(timezone=True), nullable=True),
    Column("window_matches", Integer, nullable=False, server_default="0"),
    UniqueConstraint("bank_id", "signal_type", "value_digest", name="uq_bank_hashes_value"),
    Index("ix_bank_hashes_status_changed_at", "status_changed_at"),
    Index("ix_bank_hashes_bank_status", "bank_id", "status"),
)
