"""Hash banks.

Revision ID: 0001_banks
Revises: 0000_base
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_banks"
down_revision = "0000_base"
branch_labels = ("banks",)
depends_on = None

IdType = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "banks",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("provenance", sa.String(40), nullable=False),
        sa.Column("description", sa.String(1000), nullable=False, server_default=""),
        sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("match_distance", sa.Integer, nullable=False),
        sa.Column("flood_max_matches", sa.Integer, nullable=True),
        sa.Column("flood_window_seconds", sa.Integer, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_banks"),
        sa.UniqueConstraint("name", name="uq_banks_name"),
    )
    op.create_table(
        "bank_hashes",
        sa.Column("id", IdType, primary_key=True, autoincrement=True),
        sa.Column("bank_id", sa.Integer, nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(128), nullable=True),
        sa.Column("value_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("quality", sa.Integer, nullable=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(200), nullable=True),
        sa.Column("case_numbers", sa.Text, nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(200), nullable=True),
        sa.Column("status_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status_reason", sa.String(200), nullable=True),
        sa.Column("match_count", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_matched_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_matches", sa.Integer, nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("id", name="pk_bank_hashes"),
        sa.ForeignKeyConstraint(
            ["bank_id"],
            ["banks.id"],
            name="fk_bank_hashes_bank_id_banks",
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint("bank_id", "signal_type", "value_digest", name="uq_bank_hashes_value"),
    )
    op.create_index("ix_bank_hashes_status_changed_at", "bank_hashes", ["status_changed_at"])
    op.create_index("ix_bank_hashes_bank_status", "bank_hashes", ["bank_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_bank_hashes_bank_status", table_name="bank_hashes")
    op.drop_index("ix_bank_hashes_status_changed_at", table_name="bank_hashes")
    op.drop_table("bank_hashes")
    op.drop_table("banks")
