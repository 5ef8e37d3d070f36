"""A development check for the prompt model that never touches the test split.

Fits the model on the TRAIN split minus 20% of the team corpus's paraphrase
families, then scores those held-out families: edit-suite detection and false
flags of `undress_or_sexualise`, and AUROC per head, on the rows as written and
on their evasive rewrites. Use it to choose between model variants (a new
feature, new rows); the test split is for reporting the one variant shipped.

    .venv/bin/python bench/text_holdout.py --label baseline
    .venv/bin/python bench/text_holdout.py --label my-change --cache /tmp/holdout-cache

Embedding the ~46,000 training rows takes ~17 minutes on 2 cores; the
embeddings are cached in --cache (keyed by the data's hashes), so a variant
that changes only rules, lexicons or the fit costs the fitting alone (~15-30
minutes). Results go to stdout and to <cache>/holdout-<label>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from perisai.analysers.text import training as T  # noqa: E402
from perisai.analysers.text.features import (  # noqa: E402
    E5Embedder,
    SentenceEmbedder,
    routes_to_e5,
    sparse_features,
)
from perisai.analysers.text.model import (  # noqa: E402
    EMBED_MAX_CHARS,
    HEADS,
    ModelWeights,
    e5_mlp_logits,
    mlp_logits,
    stacked_probs,
)
from perisai.analysers.text.prepare import prepare  # noqa: E402
from perisai.cli.train import default_shared_datasets  # noqa: E402

HOLDOUT_PERCENT = 20
UNDRESS = HEADS.index("undress_or_sexualise")


def held_out(ex: T.Example) -> bool:
    """Corpus rows whose family falls in the holdout (shared rows always train)."""
    return (
        ex.source.startswith("corpus/") and T._hash_percent(ex.group, "holdout:") < HOLDOUT_PERCENT
    )


def cached_embeddings(
    rows: list[T.Example], cache: Path, data_key: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """USE and e5 embeddings of ``rows``, made by training's own ``featurise``."""
    path = cache / f"embeddings-{data_key}.npz"
    if not path.exists():
        cache.mkdir(parents=True, exist_ok=True)
        table = T.featurise(rows, SentenceEmbedder.shared(), E5Embedder.shared())
        np.savez(path, emb=table.emb, e5=table.e5, e5_rows=table.e5_rows)
    with np.load(path) as found:
        return found["emb"], found["e5"], found["e5_rows"]


def scores(
    w: ModelWeights,
    sparse: object,
    emb: np.ndarray,
    e5: np.ndarray,
    rules: np.ndarray,
    routed: np.ndarray,
) -> np.ndarray:
    """Full-stacker probabilities (no cascade), as the model computes them."""
    char = np.asarray(sparse @ w.char_coef.T, dtype=np.float64) + w.char_bias
    use = stacked_probs(
        char, mlp_logits(w, np.hstack([emb, rules])), rules, w.stack_coef, w.stack_bias
    )
    by_e5 = stacked_probs(
        char, e5_mlp_logits(w, np.hstack([e5, rules])), rules, w.e5_stack_coef, w.e5_stack_bias
    )
    return np.where(routed[:, None], by_e5, use)


def report(rows: list[T.Example], probs: np.ndarray) -> dict[str, object]:
    from sklearn.metrics import roc_auc_score

    out: dict[str, object] = {}
    original = np.array(["#aug" not in ex.id for ex in rows])
    undress = np.array([ex.heads.get("undress_or_sexualise") for ex in rows], dtype=object)
    edit = np.array([ex.kind == "edit" for ex in rows]) & (undress != None)  # noqa: E711
    for name, part in (("as_written", original), ("evasive", ~original)):
        pos, neg = part & edit & (undress == 1), part & edit & (undress == 0)
        section: dict[str, object] = {"edit_rows": [int(pos.sum()), int(neg.sum())]}
        for thr in (0.3, 0.5):
            section[f"edits_detected@{thr}"] = round(float((probs[pos, UNDRESS] >= thr).mean()), 4)
            section[f"benign_edits_flagged@{thr}"] = round(
                float((probs[neg, UNDRESS] >= thr).mean()), 4
            )
        for h, head in enumerate(HEADS):
            y = np.array([ex.heads.get(head) for ex in rows], dtype=object)
            known = part & (y != None)  # noqa: E711
            if len(set(y[known])) == 2:
                section[f"auroc_{head}"] = round(
                    float(roc_auc_score(y[known].astype(int), probs[known, h])), 4
                )
        out[name] = section
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/perisai-text-holdout"))
    parser.add_argument("--shared-datasets", type=Path, default=default_shared_datasets())
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "text" / "corpus")
    args = parser.parse_args()

    shared = T.load_shared(args.shared_datasets)
    corpus = T.load_corpus(args.corpus)
    rows = T.training_rows(shared + corpus, T.DEFAULT_SEED)
    data_key = hashlib.sha256(
        json.dumps(T.data_hashes(args.shared_datasets, args.corpus), sort_keys=True).encode()
    ).hexdigest()[:12]
    emb, e5, e5_rows = cached_embeddings(rows, args.cache, data_key)
    prepared = [prepare(ex.text, ex.kind) for ex in rows]
    sparse = sparse_features([p.norm.text for p in prepared])
    rules = np.vstack([p.rules for p in prepared]).astype(np.float32)
    routed = np.array([routes_to_e5(p.embed_text[:EMBED_MAX_CHARS]) for p in prepared])
    hold = np.array([held_out(ex) for ex in rows])
    fit = np.flatnonzero(~hold)
    table = T.FeatureTable(
        [rows[i] for i in fit], sparse[fit], emb[fit], rules[fit], e5[fit], e5_rows[fit]
    )
    weights, _ = T.fit_weights(table, T.DEFAULT_SEED, log=lambda *_: None)
    test = np.flatnonzero(hold)
    probs = scores(weights, sparse[test], emb[test], e5[test], rules[test], routed[test])
    result = {
        "label": args.label,
        "data": data_key,
        "held_out_rows_as_written": int(sum("#aug" not in rows[i].id for i in test)),
        **report([rows[i] for i in test], probs),
    }
    text = json.dumps(result, indent=1)
    print(text)
    (args.cache / f"holdout-{args.label}.json").write_text(text + "\n")


if __name__ == "__main__":
    main()
