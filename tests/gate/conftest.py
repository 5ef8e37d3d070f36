"""Fixtures for the gate tests (helpers and test doubles: gate_support.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from perisai.config import Settings
from perisai.runtime import Runtime


@pytest.fixture
def gate_runtime(tmp_path: Path) -> Iterator[Runtime]:
    """A runtime on a fresh SQLite file: real ledger, keys and evidence store."""
    rt = Runtime(Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'gate.db'}"))
    yield rt
    rt.close()
