"""Case tables (reports, takedown, appeals) and the demo platform's tables.

Personal data of reporters (explanation, name, email, signature) and notes
are Fernet-encrypted at rest (``*_ct`` columns); the PIN is a salted scrypt
hash. Preserved child-safety evidence is encrypted and has a ``delete_after``.
"""

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from perisai.storage.db import metadata

cases = Table(
    "cases",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False, unique=True),
    Column("pin_hash", String(200), nullable=False),
    Column("source", String(20), nullable=False),
    Column("reason", String(40), nullable=False),
    Column("reporter_role", String(40), nullable=True),
    Column("country", String(3), nullable=True),
    Column("jurisdiction", String(8), nullable=False),
    Column("language", String(8), nullable=False),
    Column("queue", String(20), nullable=False),
    Column("status", String(20), nullable=False),
    Column("severity", Integer, nullable=False),
    Column("policy_category", String(64), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("acknowledged_at", DateTime(timezone=True), nullable=True),
    Column("first_inaccessible_at", DateTime(timezone=True), nullable=True),
    Column("fast_tracked", Boolean, nullable=False),
    Column("fast_track_reason", String(200), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("decided_by", String(64), nullable=True),
    Column("outcome", String(20), nullable=True),
    Column("deadlines", Text, nullable=False),
    Column("next_deadline_at", DateTime(timezone=True), nullable=True),
    Column("decision_id", String(64), nullable=True),
    Column("good_faith", Boolean, nullable=False),
    Column("explanation_ct", LargeBinary, nullable=True),
    Column("name_ct", LargeBinary, nullable=True),
    Column("email_ct", LargeBinary, nullable=True),
    Column("signature_ct", LargeBinary, nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Index("ix_cases_queue_status", "queue", "status"),
    Index("ix_cases_next_deadline_at", "next_deadline_at"),
)

case_items = Table(
    "case_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("item_id", String(64), nullable=True),
    Column("location", String(2000), nullable=False),
    Column("role", String(16), nullable=False),
    Column("account", String(200), nullable=True),
    Column("pdq", String(64), nullable=True),
    Column("md5", String(32), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("distance", Integer, nullable=True),
    Column("state", String(16), nullable=False),
    Column("hidden_at", DateTime(timezone=True), nullable=True),
    Column("removed_at", DateTime(timezone=True), nullable=True),
    Column("restored_at", DateTime(timezone=True), nullable=True),
    Index("ix_case_items_case_number", "case_number"),
    Index("ix_case_items_item_id", "item_id"),
)

case_events = Table(
    "case_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("actor", String(64), nullable=False),
    Column("event", String(40), nullable=False),
    Column("payload", Text, nullable=False),
    Index("ix_case_events_case_number", "case_number"),
)

case_notes = Table(
    "case_notes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("author", String(64), nullable=False),
    Column("text_ct", LargeBinary, nullable=False),
    Index("ix_case_notes_case_number", "case_number"),
)

case_appeals = Table(
    "case_appeals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("appeal_id", String(32), nullable=False, unique=True),
    Column("case_number", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("appellant", String(16), nullable=False),
    Column("account", String(200), nullable=True),
    Column("item_id", String(64), nullable=True),
    Column("explanation_ct", LargeBinary, nullable=False),
    Column("status", String(16), nullable=False),
    Column("decided_by", String(64), nullable=True),
    Column("decided_at", DateTime(timezone=True), nullable=True),
    Column("reason", String(2000), nullable=True),
    Index("ix_case_appeals_case_number", "case_number"),
)

case_notices = Table(
    "case_notices",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("notice_id", String(32), nullable=False, unique=True),
    Column("case_number", String(20), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("recipient", String(16), nullable=False),
    Column("account", String(200), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("language", String(8), nullable=False),
    Column("statement", Text, nullable=True),
    Column("text", Text, nullable=False),
    Index("ix_case_notices_case_number", "case_number"),
)

case_breaches = Table(
    "case_breaches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("clock", String(64), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("case_number", "clock", name="uq_case_breaches_clock"),
)

case_hashes = Table(
    "case_hashes",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("bank", String(100), nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("value", String(128), nullable=True),
    Column("status", String(16), nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("withdrawn_at", DateTime(timezone=True), nullable=True),
    Index("ix_case_hashes_case_number", "case_number"),
)

case_preservations = Table(
    "case_preservations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_number", String(20), nullable=False),
    Column("item_id", String(64), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("delete_after", DateTime(timezone=True), nullable=False),
    Column("md5", String(32), nullable=True),
    Column("sha256", String(64), nullable=True),
    Column("pdq", String(64), nullable=True),
    Column("account", String(200), nullable=True),
    Column("media_ct", LargeBinary, nullable=True),
    Column("purged_at", DateTime(timezone=True), nullable=True),
    Index("ix_case_preservations_delete_after", "delete_after"),
)

#: The demo platform (``SqlitePlatform``): a stand-in for the provider's own
#: content store, so reports, takedowns and re-upload blocking run end to end.
platform_items = Table(
    "platform_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", String(64), nullable=False, unique=True),
    Column("account", String(200), nullable=False),
    Column("content", LargeBinary, nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("pdq", String(64), nullable=True),
    Column("quality", Integer, nullable=True),
    Column("md5", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("state_changed_at", DateTime(timezone=True), nullable=False),
    Column("state_reason", String(200), nullable=True),
    Index("ix_platform_items_md5", "md5"),
    Index("ix_platform_items_sha256", "sha256"),
)

platform_notifications = Table(
    "platform_notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("account", String(200), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("notice", Text, nullable=False),
    Index("ix_platform_notifications_account", "account"),
)
