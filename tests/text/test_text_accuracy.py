"""Accuracy floors of the committed artifact on the fixed test split (never trained on).

Floors sit a little below the figures measured when the artifact was built
(see the manifest's ``metrics`` and docs/benchmarks/text.md); they catch a
broken normaliser, feature drift between training and inference, or a bad
retrain. The data are versioned: corpus files in the repo, shared sets pinned
by commit (their hashes are in the manifest).
"""

from __future__ import annotations

from typing import Any

import pytest

from perisai.analysers.text.evaluation import evaluate_examples
from perisai.analysers.text.model import load_model
from perisai.analysers.text.training import evasion_set, load_corpus, load_shared, shared_split
from perisai.cli.train import REPO_ROOT, default_shared_datasets

# Measured when text-model-v2 was rebuilt (2026-12-02, with the x5 corpus round, the
# age-difference rule and the leetspeak fixes): AUROC 0.992, FPR@95%TPR 3.3%, evasion
# AUROC 0.989, edit suite 96.5% detected / 2.6% benign flagged, minor AUROC 0.997,
# real_person AUROC 0.992, AUROC on Hindi 0.983, Tamil 0.990, Vietnamese 0.999
# (manifest "metrics"). Floors leave a small margin.
FLOOR_AUROC = 0.987
CEIL_FPR95 = 0.045
FLOOR_EVASION_AUROC = 0.985
FLOOR_EDIT_DETECTED = 0.945
CEIL_EDIT_FLAGGED = 0.045
FLOOR_MINOR_AUROC = 0.985
FLOOR_REAL_PERSON_AUROC = 0.985
#: Languages on the e5 path, which USE alone scored at 0.85 (hi), 0.97 (ta), 0.97 (vi).
FLOOR_E5_LANG_AUROC = {"hi": 0.96, "ta": 0.97, "vi": 0.97}

SHARED = default_shared_datasets()
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED.is_dir(), reason=f"shared datasets not at {SHARED}"),
]


@pytest.fixture(scope="module")
def metrics() -> dict[str, Any]:
    rows = load_shared(SHARED) + load_corpus(REPO_ROOT / "data" / "text" / "corpus")
    test = [r for r in rows if r.split == "test"]
    return evaluate_examples(load_model(), test, evasion_set(test))


def test_split_is_fixed_and_disjoint() -> None:
    assert shared_split("i2p:0") == shared_split("i2p:0")
    rows = load_shared(SHARED)
    test_share = sum(r.split == "test" for r in rows) / len(rows)
    assert 0.17 < test_share < 0.23
    corpus = load_corpus(REPO_ROOT / "data" / "text" / "corpus")
    families: dict[str, set[str]] = {}
    for r in corpus:
        families.setdefault(r.group, set()).add(r.split)
    assert all(len(splits) == 1 for splits in families.values())


def test_sexual_vs_benign_floor(metrics: dict[str, Any]) -> None:
    m = metrics["sexual_vs_benign"]
    assert m["auroc"] >= FLOOR_AUROC
    assert m["fpr_at_95pct_tpr"] <= CEIL_FPR95


def test_evasion_floor(metrics: dict[str, Any]) -> None:
    assert metrics["evasion"]["auroc"] >= FLOOR_EVASION_AUROC


def test_edit_suite_floor(metrics: dict[str, Any]) -> None:
    edits = metrics["edit_undress"]
    assert edits["detected"] >= FLOOR_EDIT_DETECTED
    assert edits["benign_flagged"] <= CEIL_EDIT_FLAGGED


def test_other_heads_floor(metrics: dict[str, Any]) -> None:
    heads = metrics["corpus_heads"]
    assert heads["minor"]["auroc"] >= FLOOR_MINOR_AUROC
    assert heads["real_person"]["auroc"] >= FLOOR_REAL_PERSON_AUROC


def test_e5_path_languages_floor(metrics: dict[str, Any]) -> None:
    for lang, floor in FLOOR_E5_LANG_AUROC.items():
        assert metrics["by_lang"][lang]["auroc"] >= floor, lang
