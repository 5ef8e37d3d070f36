"""The team corpus under data/text/corpus passes its own checker."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_corpus_checker_passes() -> None:
    result = subprocess.run(
        [sys.executable, str(REPO / "data/text/check_corpus.py")],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
