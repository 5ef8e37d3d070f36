"""``perisai db upgrade|current``."""

from __future__ import annotations

import click

from perisai.config import Settings
from perisai.storage.db import Database


@click.group("db")
def command() -> None:
    """Manage the database schema (migrations run automatically on start)."""


@command.command("upgrade")
def upgrade() -> None:
    """Apply every pending migration to PERISAI_DATABASE_URL."""
    db = Database(Settings().database_url)
    db.upgrade()
    click.echo(f"Database at {db.url.render_as_string(hide_password=True)} is up to date.")


@command.command("current")
def current() -> None:
    """Print the applied migration revisions."""
    from alembic.runtime.migration import MigrationContext

    db = Database(Settings().database_url)
    with db.connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    click.echo("\n".join(sorted(heads)) or "(empty database)")
