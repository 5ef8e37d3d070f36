"""Per-bank choice to match flipped and rotated copies (PDQ dihedral variants).

Revision ID: 0002_banks_dihedral
Revises: 0001_banks
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_banks_dihedral"
down_revision = "0001_banks"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.add_column(
            sa.Column("match_dihedral", sa.Boolean, nullable=False, server_default=sa.true())
        )


def downgrade() -> None:
    with op.batch_alter_table("banks") as batch:
        batch.drop_column("match_dihedral")
