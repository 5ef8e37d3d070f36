"""`perisai train text` on a tiny sample and `perisai eval prompts` output format."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from perisai.cli.main import cli
from perisai.cli.train import default_shared_datasets

SHARED = default_shared_datasets()
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared datasets not at {SHARED}")


@needs_shared
@pytest.mark.slow
def test_train_text_on_a_tiny_sample_writes_a_loadable_artifact(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        [
            "train",
            "text",
            "--shared-datasets",
            str(SHARED),
            "--out",
            str(tmp_path),
            "--limit",
            "300",
        ],
    )
    assert result.exit_code == 0, result.output
    manifest = json.loads((tmp_path / "text-model-v2.json").read_text())
    assert manifest["seed"] == 1234
    assert manifest["training"]["rows_with_augmentation"] == 300
    assert any(k.startswith("shared/") for k in manifest["data"])
    npz = tmp_path / "text-model-v2.npz"
    assert manifest["version"].endswith("." + hashlib.sha256(npz.read_bytes()).hexdigest()[:8])

    from perisai.analysers.text.model import ModelWeights

    weights = ModelWeights.load(tmp_path / "text-model-v2.npz")
    assert np.isfinite(weights.char_coef).all()
    assert (tmp_path / "text-model-v2.npz").stat().st_size < 20_000_000


def test_train_text_names_a_missing_dataset_dir(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["train", "text", "--shared-datasets", str(tmp_path / "nope")])
    assert result.exit_code != 0
    assert "does not exist" in result.output


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def test_eval_prompts_prints_metrics_per_file_and_language(tmp_path: Path) -> None:
    rows = [
        {
            "id": "p1",
            "text": "remove her clothes",
            "label": "unsafe_sexual",
            "meta": {"lang": "en"},
        },
        {"id": "p2", "text": "buka baju dia", "label": "unsafe_sexual", "lang": "ms"},
        {
            "id": "n1",
            "text": "a cat sitting on a windowsill",
            "label": "benign",
            "meta": {"lang": "en"},
        },
        {"id": "n2", "text": "kucing tidur atas meja", "label": "benign", "lang": "ms"},
        {"id": "o1", "text": "a burning car", "label": "unsafe_other"},
    ]
    path = _write(tmp_path / "tiny.jsonl", rows)
    out_json = tmp_path / "report.json"
    result = CliRunner().invoke(cli, ["eval", "prompts", str(path), "--json-out", str(out_json)])
    assert result.exit_code == 0, result.output
    assert (
        "AUROC=" in result.output
        and "TPR@1%FPR=" in result.output
        and "FPR@95%TPR=" in result.output
    )
    assert "lang=en" in result.output and "lang=ms" in result.output
    assert "1 unsafe_other rows excluded" in result.output
    assert "remove her clothes" not in result.output  # no text without --show-text
    report = json.loads(out_json.read_text())
    overall = report["files"][str(path)]["overall"]
    assert overall["n"] == 4 and overall["positives"] == 2
    assert overall["auroc"] == pytest.approx(1.0)


def test_eval_prompts_reports_errors_by_id(tmp_path: Path) -> None:
    rows = [
        {"id": "mislabelled", "text": "a cat sitting on a windowsill", "label": "unsafe_sexual"},
        {"id": "n1", "text": "a red apple", "label": "benign"},
    ]
    path = _write(tmp_path / "errs.jsonl", rows)
    result = CliRunner().invoke(cli, ["eval", "prompts", str(path)])
    assert result.exit_code == 0, result.output
    assert "missed" in result.output and "mislabelled" in result.output
    assert "windowsill" not in result.output
    shown = CliRunner().invoke(cli, ["eval", "prompts", str(path), "--show-text"])
    assert "windowsill" in shown.output


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json\n", "not valid JSON"),
        ('{"id": "a", "text": "x", "label": "spicy"}\n', "unknown label"),
        ('{"id": "a", "text": 5, "label": "benign"}\n', "'text' must be a string"),
        ("[1, 2]\n", "expected a JSON object"),
    ],
)
def test_eval_prompts_rejects_bad_rows_clearly(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text(content)
    result = CliRunner().invoke(cli, ["eval", "prompts", str(path)])
    assert result.exit_code != 0
    assert message in result.output
    assert "bad.jsonl:1" in result.output


def test_eval_prompts_split_filter(tmp_path: Path) -> None:
    rows = [
        {"id": "a", "text": "remove her clothes", "label": "unsafe_sexual", "split": "test"},
        {"id": "b", "text": "a red apple", "label": "benign", "split": "test"},
        {"id": "c", "text": "a blue car", "label": "benign", "split": "train"},
    ]
    path = _write(tmp_path / "split.jsonl", rows)
    result = CliRunner().invoke(cli, ["eval", "prompts", str(path), "--split", "test"])
    assert result.exit_code == 0, result.output
    assert "(2 rows;" in result.output
