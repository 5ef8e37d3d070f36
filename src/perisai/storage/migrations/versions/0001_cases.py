"""Cases (reports, takedown, appeals, child-safety preservation) and the demo platform.

Revision ID: 0001_cases
Revises: 0000_base
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_cases"
down_revision = "0000_base"
branch_labels = ("cases",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("pin_hash", sa.String(200), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("reason", sa.String(40), nullable=False),
        sa.Column("reporter_role", sa.String(40), nullable=True),
        sa.Column("country", sa.String(3), nullable=True),
        sa.Column("jurisdiction", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("queue", sa.String(20), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("severity", sa.Integer, nullable=False),
        sa.Column("policy_category", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_inaccessible_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fast_tracked", sa.Boolean, nullable=False),
        sa.Column("fast_track_reason", sa.String(200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(20), nullable=True),
        sa.Column("deadlines", sa.Text, nullable=False),
        sa.Column("next_deadline_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_id", sa.String(64), nullable=True),
        sa.Column("good_faith", sa.Boolean, nullable=False),
        sa.Column("explanation_ct", sa.LargeBinary, nullable=True),
        sa.Column("name_ct", sa.LargeBinary, nullable=True),
        sa.Column("email_ct", sa.LargeBinary, nullable=True),
        sa.Column("signature_ct", sa.LargeBinary, nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_cases"),
        sa.UniqueConstraint("case_number", name="uq_cases_case_number"),
    )
    op.create_index("ix_cases_next_deadline_at", "cases", ["next_deadline_at"])
    op.create_index("ix_cases_queue_status", "cases", ["queue", "status"])
    op.create_table(
        "case_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=True),
        sa.Column("location", sa.String(2000), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("pdq", sa.String(64), nullable=True),
        sa.Column("md5", sa.String(32), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("distance", sa.Integer, nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("restored_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_items"),
    )
    op.create_index("ix_case_items_case_number", "case_items", ["case_number"])
    op.create_index("ix_case_items_item_id", "case_items", ["item_id"])
    op.create_table(
        "case_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("event", sa.String(40), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_events"),
    )
    op.create_index("ix_case_events_case_number", "case_events", ["case_number"])
    op.create_table(
        "case_notes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(64), nullable=False),
        sa.Column("text_ct", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notes"),
    )
    op.create_index("ix_case_notes_case_number", "case_notes", ["case_number"])
    op.create_table(
        "case_appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("appeal_id", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("appellant", sa.String(16), nullable=False),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("item_id", sa.String(64), nullable=True),
        sa.Column("explanation_ct", sa.LargeBinary, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.String(2000), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_appeals"),
        sa.UniqueConstraint("appeal_id", name="uq_case_appeals_appeal_id"),
    )
    op.create_index("ix_case_appeals_case_number", "case_appeals", ["case_number"])
    op.create_table(
        "case_notices",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("notice_id", sa.String(32), nullable=False),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recipient", sa.String(16), nullable=False),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("statement", sa.Text, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_notices"),
        sa.UniqueConstraint("notice_id", name="uq_case_notices_notice_id"),
    )
    op.create_index("ix_case_notices_case_number", "case_notices", ["case_number"])
    op.create_table(
        "case_breaches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("clock", sa.String(64), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_case_breaches"),
        sa.UniqueConstraint("case_number", "clock", name="uq_case_breaches_clock"),
    )
    op.create_table(
        "case_hashes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("bank", sa.String(100), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_hashes"),
    )
    op.create_index("ix_case_hashes_case_number", "case_hashes", ["case_number"])
    op.create_table(
        "case_preservations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_number", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("md5", sa.String(32), nullable=True),
        sa.Column("sha256", sa.String(64), nullable=True),
        sa.Column("pdq", sa.String(64), nullable=True),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("media_ct", sa.LargeBinary, nullable=True),
        sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_case_preservations"),
    )
    op.create_index("ix_case_preservations_delete_after", "case_preservations", ["delete_after"])
    op.create_table(
        "platform_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("item_id", sa.String(64), nullable=False),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("content", sa.LargeBinary, nullable=False),
        sa.Column("media_type", sa.String(64), nullable=False),
        sa.Column("pdq", sa.String(64), nullable=True),
        sa.Column("quality", sa.Integer, nullable=True),
        sa.Column("md5", sa.String(32), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state_reason", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_platform_items"),
        sa.UniqueConstraint("item_id", name="uq_platform_items_item_id"),
    )
    op.create_index("ix_platform_items_md5", "platform_items", ["md5"])
    op.create_index("ix_platform_items_sha256", "platform_items", ["sha256"])
    op.create_table(
        "platform_notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account", sa.String(200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notice", sa.Text, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_platform_notifications"),
    )
    op.create_index("ix_platform_notifications_account", "platform_notifications", ["account"])


def downgrade() -> None:
    op.drop_index("ix_platform_notifications_account", table_name="platform_notifications")
    op.drop_table("platform_notifications")
    op.drop_index("ix_platform_items_md5", table_name="platform_items")
    op.drop_index("ix_platform_items_sha256", table_name="platform_items")
    op.drop_table("platform_items")
    op.drop_index("ix_case_preservations_delete_after", table_name="case_preservations")
    op.drop_table("case_preservations")
    op.drop_index("ix_case_hashes_case_number", table_name="case_hashes")
    op.drop_table("case_hashes")
    op.drop_table("case_breaches")
    op.drop_index("ix_case_notices_case_number", table_name="case_notices")
    op.drop_table("case_notices")
    op.drop_index("ix_case_appeals_case_number", table_name="case_appeals")
    op.drop_table("case_appeals")
    op.drop_index("ix_case_notes_case_number", table_name="case_notes")
    op.drop_table("case_notes")
    op.drop_index("ix_case_events_case_number", table_name="case_events")
    op.drop_table("case_events")
    op.drop_index("ix_case_items_case_number", table_name="case_items")
    op.drop_index("ix_case_items_item_id", table_name="case_items")
    op.drop_table("case_items")
    op.drop_index("ix_cases_next_deadline_at", table_name="cases")
    op.drop_index("ix_cases_queue_status", table_name="cases")
    op.drop_table("cases")
