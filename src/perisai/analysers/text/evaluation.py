"""Metrics for the prompt model, shared by training, ``perisai eval prompts`` and the bench.

Sexual-vs-benign metrics: positive = ``unsafe_sexual``, negative = ``benign``;
``unsafe_other`` rows are left out (they are neither: violence, hate, drugs
prompts may or may not be sexual, so counting them either way would blur the
figure). Score = max of the ``sexual``, ``undress_or_sexualise`` and
``sexual_violence`` heads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from perisai.analysers.text.model import HEADS, SEXUAL_HEADS

if TYPE_CHECKING:
    from perisai.analysers.text.analyser import ScoredText
    from perisai.analysers.text.model import TextModel
    from perisai.analysers.text.training import Example

TARGET_FPR = 0.01
TARGET_TPR = 0.95


def auroc(y: np.ndarray, score: np.ndarray) -> float | None:
    if len(np.unique(y)) < 2:
        return None
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(y, score))


def tpr_at_fpr(y: np.ndarray, score: np.ndarray, fpr: float = TARGET_FPR) -> float | None:
    """Largest true-positive rate with false-positive rate <= ``fpr``."""
    if len(np.unique(y)) < 2:
        return None
    neg = np.sort(score[y == 0])[::-1]
    k = int(np.floor(fpr * len(neg)))
    # threshold strictly above the (k+1)-th highest negative
    thr = neg[k] if k < len(neg) else -np.inf
    return float((score[y == 1] > thr).mean())


def fpr_at_tpr(y: np.ndarray, score: np.ndarray, tpr: float = TARGET_TPR) -> float | None:
    """False-positive rate at the threshold that catches ``tpr`` of positives."""
    if len(np.unique(y)) < 2:
        return None
    pos = np.sort(score[y == 1])
    k = int(np.floor((1.0 - tpr) * len(pos)))
    thr = pos[min(k, len(pos) - 1)]
    return float((score[y == 0] >= thr).mean())


def binary_metrics(y: np.ndarray, score: np.ndarray, threshold: float) -> dict[str, Any]:
    out: dict[str, Any] = {
        "n": int(len(y)),
        "positives": int((y == 1).sum()),
        "auroc": auroc(y, score),
        "tpr_at_1pct_fpr": tpr_at_fpr(y, score),
        "fpr_at_95pct_tpr": fpr_at_tpr(y, score),
    }
    if (y == 1).any():
        out["tpr_at_threshold"] = float((score[y == 1] >= threshold).mean())
    if (y == 0).any():
        out["fpr_at_threshold"] = float((score[y == 0] >= threshold).mean())
    return out


def sexual_score(scored: ScoredText) -> float:
    return max(scored.probs[h] for h in SEXUAL_HEADS)


def score_examples(
    model: TextModel, examples: Sequence[Example], cascade: bool = True
) -> list[ScoredText]:
    from perisai.analysers.text.analyser import TextAnalyser

    analyser = TextAnalyser(model=model, cascade=cascade)
    out: list[ScoredText] = []
    for i in range(0, len(examples), 512):
        chunk = examples[i : i + 512]
        out.extend(analyser.score_batch([e.text for e in chunk], [e.kind for e in chunk]))
    return out


def is_clean_sexual_eval_row(ex: Example) -> bool:
    """Rows in the headline sexual-vs-benign figure (noisy weak positives left out)."""
    if ex.label not in ("unsafe_sexual", "benign"):
        return False
    return bool(ex.meta.get("train_use", True))


def sexual_block(
    examples: Sequence[Example], scored: Sequence[ScoredText], threshold: float
) -> dict[str, Any]:
    keep = [i for i, ex in enumerate(examples) if ex.label in ("unsafe_sexual", "benign")]
    y = np.array([1 if examples[i].label == "unsafe_sexual" else 0 for i in keep])
    s = np.array([sexual_score(scored[i]) for i in keep])
    return binary_metrics(y, s, threshold) if keep else {"n": 0}


def evaluate_examples(
    model: TextModel,
    test: Sequence[Example],
    evasion: Sequence[Example],
    threshold: float = 0.5,
) -> dict[str, Any]:
    """Every figure the manifest and the bench report, on the fixed test split."""
    scored = score_examples(model, test)
    clean = [i for i, ex in enumerate(test) if is_clean_sexual_eval_row(ex)]
    out: dict[str, Any] = {"threshold": threshold}
    out["sexual_vs_benign"] = sexual_block(
        [test[i] for i in clean], [scored[i] for i in clean], threshold
    )
    out["sexual_vs_benign_incl_weak_i2p_and_nibbler"] = sexual_block(test, scored, threshold)
    by_source: dict[str, list[int]] = defaultdict(list)
    by_lang: dict[str, list[int]] = defaultdict(list)
    for i in clean:
        ex = test[i]
        by_source[ex.source.split("/")[0] if ex.source.startswith("corpus/") else ex.source].append(
            i
        )
        by_lang[ex.lang or "?"].append(i)
    out["by_source"] = {
        k: sexual_block([test[i] for i in v], [scored[i] for i in v], threshold)
        for k, v in sorted(by_source.items())
    }
    out["by_lang"] = {
        k: sexual_block([test[i] for i in v], [scored[i] for i in v], threshold)
        for k, v in sorted(by_lang.items())
    }
    # Edit instructions from the team corpus: undress/sexualise detection and false flags.
    edits = [
        i for i, ex in enumerate(test) if ex.kind == "edit" and ex.source.startswith("corpus/")
    ]
    edit_pos = [i for i in edits if test[i].heads.get("undress_or_sexualise") == 1]
    edit_benign = [i for i in edits if test[i].label == "benign"]
    out["edit_undress"] = {
        "threshold": threshold,
        "undress_rows": len(edit_pos),
        "detected": float(np.mean([sexual_score(scored[i]) >= threshold for i in edit_pos]))
        if edit_pos
        else None,
        "undress_head_detected": float(
            np.mean([scored[i].probs["undress_or_sexualise"] >= threshold for i in edit_pos])
        )
        if edit_pos
        else None,
        "benign_rows": len(edit_benign),
        "benign_flagged": float(
            np.mean([sexual_score(scored[i]) >= threshold for i in edit_benign])
        )
        if edit_benign
        else None,
    }
    out["edit_curve"] = [
        {
            "threshold": t,
            "detected": float(np.mean([sexual_score(scored[i]) >= t for i in edit_pos])),
            "benign_flagged": float(np.mean([sexual_score(scored[i]) >= t for i in edit_benign])),
        }
        for t in (0.3, 0.5, 0.7, 0.8, 0.9, 0.95)
        if edit_pos and edit_benign
    ]
    # Per head on corpus rows, where all five labels are known.
    heads: dict[str, Any] = {}
    for head in HEADS:
        idx = [
            i
            for i, ex in enumerate(test)
            if ex.heads.get(head) is not None and ex.source.startswith("corpus/")
        ]
        if idx:
            y = np.array([test[i].heads[head] for i in idx])
            s = np.array([scored[i].probs[head] for i in idx])
            heads[head] = binary_metrics(y, s, threshold)
    out["corpus_heads"] = heads
    out["embedding_used_fraction"] = (
        float(np.mean([s.used_embedding for s in scored])) if scored else 0.0
    )
    if evasion:
        ev_scored = score_examples(model, evasion)
        ev_clean = [i for i, ex in enumerate(evasion) if is_clean_sexual_eval_row(ex)]
        out["evasion"] = sexual_block(
            [evasion[i] for i in ev_clean], [ev_scored[i] for i in ev_clean], threshold
        )
        ev_edits = [
            i
            for i, ex in enumerate(evasion)
            if ex.kind == "edit" and ex.heads.get("undress_or_sexualise") == 1
        ]
        if ev_edits:
            out["evasion"]["edit_undress_detected"] = float(
                np.mean([sexual_score(ev_scored[i]) >= threshold for i in ev_edits])
            )
    return out
