"""Ledger: hash-chained entries, the head row that serialises appends, and
signed checkpoints.

Revision ID: 0001_ledger
Revises: 0000_base
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_ledger"
down_revision = "0000_base"
branch_labels = ("ledger",)
depends_on = None

GENESIS_HASH = "0" * 64


def _seq_type() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "ledger_entries",
        sa.Column("seq", _seq_type(), autoincrement=False, nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("subject_id", sa.String(200), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_ledger_entries"),
        sa.UniqueConstraint("prev_hash", name="uq_ledger_entries_prev_hash"),
        sa.UniqueConstraint("entry_hash", name="uq_ledger_entries_entry_hash"),
    )
    op.create_index("ix_ledger_entries_subject_id", "ledger_entries", ["subject_id"])
    op.create_index("ix_ledger_entries_created_at", "ledger_entries", ["created_at"])

    head = op.create_table(
        "ledger_head",
        sa.Column("id", sa.Integer, autoincrement=False, nullable=False),
        sa.Column("seq", _seq_type(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_head"),
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "entry_hash": GENESIS_HASH}])

    op.create_table(
        "ledger_checkpoints",
        sa.Column("id", _seq_type(), autoincrement=True, nullable=False),
        sa.Column("seq", _seq_type(), nullable=False),
        sa.Column("entry_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(64), nullable=False),
        sa.Column("public_key", sa.String(64), nullable=False),
        sa.Column("signature", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_ledger_checkpoints"),
    )
    op.create_index("ix_ledger_checkpoints_seq", "ledger_checkpoints", ["seq"])


def downgrade() -> None:
    op.drop_table("ledger_checkpoints")
    op.drop_table("ledger_head")
    op.drop_table("ledger_entries")
