"""Gate evidence records.

Revision ID: 0001_gate
Revises: 0000_base
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_gate"
down_revision = "0000_base"
branch_labels = ("gate",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_evidence",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delete_after", sa.DateTime(timezone=True), nullable=False),
        sa.Column("categories", sa.String(200), nullable=False),
        sa.Column("account", sa.String(200), nullable=True),
        sa.Column("jurisdiction", sa.String(8), nullable=True),
        sa.Column("image_hashes", sa.Text, nullable=False),
        sa.Column("request_ciphertext", sa.LargeBinary, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_gate_evidence"),
        sa.UniqueConstraint("decision_id", name="uq_gate_evidence_decision_id"),
    )
    op.create_index("ix_gate_evidence_delete_after", "gate_evidence", ["delete_after"])


def downgrade() -> None:
    op.drop_index("ix_gate_evidence_delete_after", table_name="gate_evidence")
    op.drop_table("gate_evidence")
