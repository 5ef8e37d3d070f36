"""Storage: one SQLAlchemy metadata, SQLite by default, PostgreSQL by URL."""

from perisai.storage.db import Database, metadata

__all__ = ["Database", "metadata"]
