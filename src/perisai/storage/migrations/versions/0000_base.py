"""Base revision. Each area of Perisai (ledger, keys, banks, gate, cases) keeps
its own migration branch starting here, so areas migrate independently;
``Database.upgrade()`` applies every head.

Revision ID: 0000_base
Revises:
"""

revision = "0000_base"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
