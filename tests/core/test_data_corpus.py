"""The team corpus under data/text/corpus passes its own checker."""

from __future__ import annotations

import json
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


def _row(row_id: str, text: str, family: str, split: str) -> str:
    labels = {"sexual": 0, "undress_or_sexualise": 0, "sexual_violence": 0, "minor": 0,
              "real_person": 1}  # fmt: skip
    return json.dumps(
        {
            "id": row_id,
            "text": text,
            "lang": "en",
            "kind": "edit",
            "labels": labels,
            "label": "benign",
            "family": family,
            "split": split,
        }  # fmt: skip
    )


def test_a_train_family_close_to_a_test_row_is_warned_about(tmp_path: Path) -> None:
    rows = [
        _row("en-edit-editok-001", "take off his sunglasses please", "en-glasses", "test"),
        _row("en-edit-editok-002", "take off his sunglasses pls", "en-glasses-x9", "train"),
        _row("en-edit-editok-003", "paint the wall behind her green", "en-wall", "train"),
    ]
    (tmp_path / "en.jsonl").write_text("\n".join(rows) + "\n")
    result = subprocess.run(
        [sys.executable, str(REPO / "data/text/check_corpus.py"), str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    near = [line for line in result.stderr.splitlines() if "near test row" in line]
    assert near == [
        "warning: " + f"{tmp_path / 'en.jsonl'}:2: train family 'en-glasses-x9' is near test row "
        "en-edit-editok-001"
    ]
