"""A development check for the prompt model that never touches the test split.

Fits the model on the TRAIN split minus 20% of the team corpus's paraphrase
families, then scores those held-out families: edit-suite detection and false
flags of `undress_or_sexualise`, and AUROC per head, on the rows as written and
on their evasive rewrites. Use it to choose between model variants (a new
feature, new rows); the test split is for reporting the one variant shipped.

    .venv/bin/python bench/text_holdout.py --label baseline
    .venv/bin/python bench/text_holdout.py --label my-change --cache /tmp/holdout-cache

Embedding the ~46,000 training rows takes ~17 minutes on 2 cores; the
vectors are cached in --cache by text, so a variant that changes rules,
lexicons or the fit, or adds rows, costs the fitting plus the new texts
(~15-30 minutes). Results go to stdout and to <cache>/holdout-<label>.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

from perisai.analysers.text import training as T  # noqa: E402
from perisai.analysers.text.features import (  # noqa: E402
    E5Embedder,
    SentenceEmbedder,
    routes_to_e5,
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


class CachedEncoder:
    """An encoder's vectors by text, kept on disk, so that only texts it has not
    seen are embedded (new corpus rows shift every later evasive rewrite, so a
    cache of the whole table would be thrown away by any data change)."""

    def __init__(self, make: Callable[[], Any], path: Path) -> None:
        self._make, self.path = make, path
        self._inner: Any = None
        self._index: dict[str, int] = {}
        self._vecs = np.zeros((0, 0), dtype=np.float32)
        if path.exists():
            with np.load(path) as found:
                self._vecs = found["vecs"]
                self._index = {t: i for i, t in enumerate(found["texts"].tolist())}

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = sorted(set(texts) - self._index.keys())
        if missing:
            if self._inner is None:
                self._inner = self._make()
            new = self._inner.encode(missing)
            start = len(self._index)
            self._vecs = new if start == 0 else np.vstack([self._vecs, new])
            self._index.update({t: start + i for i, t in enumerate(missing)})
            self.path.parent.mkdir(parents=True, exist_ok=True)
            partial = self.path.with_name(f"{self.path.stem}.{os.getpid()}.npz")
            np.savez(partial, texts=np.array(list(self._index)), vecs=self._vecs)
            os.replace(partial, self.path)  # another run may be reading the cache
        return self._vecs[[self._index[t] for t in texts]]


def cached_features(rows: list[T.Example], cache: Path) -> T.FeatureTable:
    """Training's own ``featurise``, with the embeddings cached by text."""
    use = CachedEncoder(SentenceEmbedder.shared, cache / "use-by-text.npz")
    e5 = CachedEncoder(E5Embedder.shared, cache / "e5-by-text.npz")
    return T.featurise(rows, cast(SentenceEmbedder, use), cast(E5Embedder, e5))


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


def print_worst_edits(rows: list[T.Example], undress: np.ndarray, n: int) -> None:
    """The held-out edit rows (as written) the undress head gets most wrong."""
    edits = [
        (ex, float(p))
        for ex, p in zip(rows, undress, strict=True)
        if ex.kind == "edit"
        and "#aug" not in ex.id
        and ex.heads.get("undress_or_sexualise") is not None
    ]
    missed = sorted(
        (e for e in edits if e[0].heads["undress_or_sexualise"] == 1), key=lambda e: e[1]
    )
    flagged = sorted(
        (e for e in edits if e[0].heads["undress_or_sexualise"] == 0), key=lambda e: -e[1]
    )
    for title, part in (("missed undress edits", missed), ("flagged benign edits", flagged)):
        print(f"\n{title}:")
        for ex, p in part[:n]:
            print(f"  {p:.2f}  {ex.id:28s} {ex.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--label", default="current")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/perisai-text-holdout"))
    parser.add_argument("--shared-datasets", type=Path, default=default_shared_datasets())
    parser.add_argument("--corpus", type=Path, default=REPO / "data" / "text" / "corpus")
    parser.add_argument(
        "--same-rows-as",
        metavar="LABEL",
        help="score only the rows an earlier run held out (when the corpus has grown since)",
    )
    parser.add_argument(
        "--errors", type=int, default=0, help="print the N worst edit misses and false flags"
    )
    args = parser.parse_args()

    shared = T.load_shared(args.shared_datasets)
    corpus = T.load_corpus(args.corpus)
    rows = T.training_rows(shared + corpus, T.DEFAULT_SEED)
    data_key = hashlib.sha256(
        json.dumps(T.data_hashes(args.shared_datasets, args.corpus), sort_keys=True).encode()
    ).hexdigest()[:12]
    full = cached_features(rows, args.cache)
    sparse, emb, rules, e5, e5_rows = full.sparse, full.emb, full.rules, full.e5, full.e5_rows
    routed = np.array(
        [routes_to_e5(prepare(ex.text, ex.kind).embed_text[:EMBED_MAX_CHARS]) for ex in rows]
    )
    hold = np.array([held_out(ex) for ex in rows])
    fit = np.flatnonzero(~hold)
    table = T.FeatureTable(
        [rows[i] for i in fit], sparse[fit], emb[fit], rules[fit], e5[fit], e5_rows[fit]
    )
    weights, _ = T.fit_weights(table, T.DEFAULT_SEED, log=lambda *_: None)
    test = np.flatnonzero(hold)
    ids_file = args.cache / f"holdout-{args.label}-ids.txt"
    ids_file.write_text("\n".join(rows[i].id for i in test) + "\n")
    if args.same_rows_as:
        earlier = set((args.cache / f"holdout-{args.same_rows_as}-ids.txt").read_text().split())
        test = np.array([i for i in test if rows[i].id in earlier], dtype=np.int64)
    probs = scores(weights, sparse[test], emb[test], e5[test], rules[test], routed[test])
    result = {
        "label": args.label,
        "data": data_key,
        "same_rows_as": args.same_rows_as,
        "held_out_rows_as_written": int(sum("#aug" not in rows[i].id for i in test)),
        **report([rows[i] for i in test], probs),
    }
    text = json.dumps(result, indent=1)
    print(text)
    (args.cache / f"holdout-{args.label}.json").write_text(text + "\n")
    if args.errors:
        print_worst_edits([rows[i] for i in test], probs[:, UNDRESS], args.errors)


if __name__ == "__main__":
    main()
