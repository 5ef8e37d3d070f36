"""Fixtures shared by every area's tests."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from perisai.config import Settings
from perisai.runtime import Runtime

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PERISAI_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'perisai.db'}")


@pytest.fixture
def runtime(settings: Settings) -> Iterator[Runtime]:
    rt = Runtime(settings)
    yield rt
    rt.close()


@pytest.fixture(autouse=True)
def _isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """CLI commands read settings from the environment: point them at tmp_path."""
    monkeypatch.setenv("PERISAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("PERISAI_DATABASE_URL", raising=False)
    monkeypatch.delenv("PERISAI_POLICY", raising=False)
