"""The trained prompt model: per signal, two base classifiers and a calibrated stacker.

For each head (``sexual``, ``undress_or_sexualise``, ``sexual_violence``,
``minor``, ``real_person``):

* a logistic regression on hashed character/word n-grams (fast, evasion-robust),
* a one-hidden-layer network (ReLU) on USE multilingual sentence embeddings
  plus the rule features (meaning, other languages, paraphrase; the hidden
  layer lets "take off" mean one thing for a jacket and another for a dress,
  which a linear model on the embedding could not separate),
* a stacker, a logistic regression over the two base logits plus the rule
  features, fitted on a held-out calibration part of the training data, so
  its output is a calibrated probability (Platt scaling with extra inputs).

Texts in languages USE does not know (:func:`routes_to_e5`: Indic scripts,
Vietnamese) take the same path with a second encoder, multilingual-e5-small:
its own network and stacker, trained on every language's rows so that what
was learnt in one carries over to the others.

A second, "fast" stacker uses only the n-gram logit and the rule features.
When its answer is confidently low or high for every head, the embedding is
skipped (the cascade); otherwise the full stacker decides.

The artifact is one ``.npz`` (weights) plus a ``.json`` manifest (version,
seed, data hashes, metrics), loaded once per process.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from perisai.analysers.text.features import (
    E5_DIM,
    EMBEDDING_DIM,
    N_SPARSE,
    E5Embedder,
    SentenceEmbedder,
    linear_scores,
    routes_to_e5,
    sparse_features,
)
from perisai.analysers.text.rules import RULE_FEATURE_NAMES

HEADS = ("sexual", "undress_or_sexualise", "sexual_violence", "minor", "real_person")
SEXUAL_HEADS = ("sexual", "undress_or_sexualise", "sexual_violence")
ARTIFACT_DIR = Path(__file__).parent / "artifacts"
ARTIFACT_NAME = "text-model-v2"
N_RULE = len(RULE_FEATURE_NAMES)
MLP_BAG = 3  # networks averaged per head
MLP_HIDDEN = MLP_BAG * 128
MLP_INPUTS = EMBEDDING_DIM + N_RULE
E5_MLP_INPUTS = E5_DIM + N_RULE
EMBED_MAX_CHARS = 1000
#: Up to this many texts, n-gram scores skip the sparse matrix (cheaper for one request).
SMALL_BATCH = 32


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / (1.0 + np.exp(-np.clip(x, -40.0, 40.0))), dtype=np.float64)


@dataclass
class ModelWeights:
    """All arrays of a trained model; heads index the first axis."""

    char_coef: np.ndarray  # (H, N_SPARSE)
    char_bias: np.ndarray  # (H,)
    mlp_w1: np.ndarray  # (H, MLP_INPUTS, MLP_HIDDEN): [embedding, rules] -> hidden
    mlp_b1: np.ndarray  # (H, MLP_HIDDEN)
    mlp_w2: np.ndarray  # (H, MLP_HIDDEN): hidden -> logit
    mlp_b2: np.ndarray  # (H,)
    stack_coef: np.ndarray  # (H, 2 + N_RULE): [char logit, emb logit, rules...]
    stack_bias: np.ndarray  # (H,)
    fast_coef: np.ndarray  # (H, 1 + N_RULE): [char logit, rules...]
    fast_bias: np.ndarray  # (H,)
    cascade_low: np.ndarray  # (H,) fast score below this: settled as negative
    cascade_high: np.ndarray  # (H,) fast score above this: settled as positive
    e5_w1: np.ndarray  # (H, E5_MLP_INPUTS, MLP_HIDDEN): [e5 embedding, rules] -> hidden
    e5_b1: np.ndarray  # (H, MLP_HIDDEN)
    e5_w2: np.ndarray  # (H, MLP_HIDDEN)
    e5_b2: np.ndarray  # (H,)
    e5_stack_coef: np.ndarray  # (H, 2 + N_RULE): [char logit, e5 logit, rules...]
    e5_stack_bias: np.ndarray  # (H,)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            "char_coef": self.char_coef.astype(np.float16),
            "char_bias": self.char_bias.astype(np.float32),
            "mlp_w1": self.mlp_w1.astype(np.float16),
            "mlp_b1": self.mlp_b1.astype(np.float32),
            "mlp_w2": self.mlp_w2.astype(np.float32),
            "mlp_b2": self.mlp_b2.astype(np.float32),
            "stack_coef": self.stack_coef.astype(np.float32),
            "stack_bias": self.stack_bias.astype(np.float32),
            "fast_coef": self.fast_coef.astype(np.float32),
            "fast_bias": self.fast_bias.astype(np.float32),
            "cascade_low": self.cascade_low.astype(np.float32),
            "cascade_high": self.cascade_high.astype(np.float32),
            "e5_w1": self.e5_w1.astype(np.float16),
            "e5_b1": self.e5_b1.astype(np.float32),
            "e5_w2": self.e5_w2.astype(np.float32),
            "e5_b2": self.e5_b2.astype(np.float32),
            "e5_stack_coef": self.e5_stack_coef.astype(np.float32),
            "e5_stack_bias": self.e5_stack_bias.astype(np.float32),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as fh:
            np.savez_compressed(fh, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> ModelWeights:
        with np.load(path) as data:
            for required in ("mlp_w1", "e5_w1"):
                if required not in data:
                    raise ValueError(
                        f"text model {path}: no {required} array (artifact from an older "
                        "version?); run `perisai train text`"
                    )
            weights = cls(
                char_coef=data["char_coef"].astype(np.float32),
                char_bias=data["char_bias"],
                mlp_w1=data["mlp_w1"].astype(np.float32),
                mlp_b1=data["mlp_b1"],
                mlp_w2=data["mlp_w2"],
                mlp_b2=data["mlp_b2"],
                stack_coef=data["stack_coef"],
                stack_bias=data["stack_bias"],
                fast_coef=data["fast_coef"],
                fast_bias=data["fast_bias"],
                cascade_low=data["cascade_low"],
                cascade_high=data["cascade_high"],
                e5_w1=data["e5_w1"].astype(np.float32),
                e5_b1=data["e5_b1"],
                e5_w2=data["e5_w2"],
                e5_b2=data["e5_b2"],
                e5_stack_coef=data["e5_stack_coef"],
                e5_stack_bias=data["e5_stack_bias"],
            )
        expected = {
            "char_coef": (len(HEADS), N_SPARSE),
            "mlp_w1": (len(HEADS), MLP_INPUTS, MLP_HIDDEN),
            "mlp_w2": (len(HEADS), MLP_HIDDEN),
            "stack_coef": (len(HEADS), 2 + N_RULE),
            "fast_coef": (len(HEADS), 1 + N_RULE),
            "e5_w1": (len(HEADS), E5_MLP_INPUTS, MLP_HIDDEN),
            "e5_w2": (len(HEADS), MLP_HIDDEN),
            "e5_stack_coef": (len(HEADS), 2 + N_RULE),
        }
        for name, shape in expected.items():
            if getattr(weights, name).shape != shape:
                raise ValueError(
                    f"text model {path}: {name} has shape {getattr(weights, name).shape}, "
                    f"expected {shape} (artifact from another version?)"
                )
        return weights


@dataclass
class HeadScores:
    """Scores for a batch: ``probs[i, h]`` is calibrated; logits kept for evidence."""

    probs: np.ndarray  # (N, H)
    char_logits: np.ndarray  # (N, H)
    used_embedding: np.ndarray  # (N,) bool


class TextModel:
    """Predicts calibrated head probabilities from normalised text and rule features."""

    def __init__(self, weights: ModelWeights, manifest: dict[str, Any]) -> None:
        self.weights = weights
        self.manifest = manifest
        self.char_coef_t = np.ascontiguousarray(weights.char_coef.T)  # (N_SPARSE, H)
        self._embedder: SentenceEmbedder | None = None
        self._e5: E5Embedder | None = None

    @property
    def embedder(self) -> SentenceEmbedder:
        if self._embedder is None:
            self._embedder = SentenceEmbedder.shared()
        return self._embedder

    @property
    def e5(self) -> E5Embedder:
        if self._e5 is None:
            self._e5 = E5Embedder.shared()
        return self._e5

    @property
    def version(self) -> str:
        return str(self.manifest.get("version", "unknown"))

    def thresholds(self) -> dict[str, float]:
        found = self.manifest.get("thresholds", {})
        return {h: float(found.get(h, 0.5)) for h in HEADS}

    def char_logits(self, norm_texts: Sequence[str]) -> np.ndarray:
        if len(norm_texts) <= SMALL_BATCH:
            return linear_scores(norm_texts, self.char_coef_t) + self.weights.char_bias
        x = sparse_features(norm_texts)
        return np.asarray(x @ self.char_coef_t, dtype=np.float64) + self.weights.char_bias

    def emb_logits(self, embed_texts: Sequence[str], rules: np.ndarray) -> np.ndarray:
        emb = self.embedder.encode([t[:EMBED_MAX_CHARS] for t in embed_texts])
        return mlp_logits(self.weights, np.hstack([emb, rules.astype(np.float32)]))

    def e5_logits(self, embed_texts: Sequence[str], rules: np.ndarray) -> np.ndarray:
        emb = self.e5.encode([t[:EMBED_MAX_CHARS] for t in embed_texts])
        return e5_mlp_logits(self.weights, np.hstack([emb, rules.astype(np.float32)]))

    def predict(
        self,
        norm_texts: Sequence[str],
        embed_texts: Sequence[str],
        rules: np.ndarray,
        cascade: bool = True,
    ) -> HeadScores:
        """Calibrated probabilities per head for a batch.

        ``rules`` is (N, N_RULE). With ``cascade`` the embedding runs only for
        rows the fast stacker cannot settle; the cascade's bounds were set
        against the USE path, so texts routed to e5 always run it.
        """
        w = self.weights
        n = len(norm_texts)
        char = self.char_logits(norm_texts)
        fast_in = np.concatenate([char[:, :, None], np.repeat(rules[:, None, :], len(HEADS), 1)], 2)
        fast = _sigmoid(np.einsum("nhf,hf->nh", fast_in, w.fast_coef) + w.fast_bias)
        routed = np.fromiter((routes_to_e5(t) for t in embed_texts), dtype=bool, count=n)
        if cascade:
            settled = np.all((fast <= w.cascade_low) | (fast >= w.cascade_high), axis=1)
            settled &= ~routed
        else:
            settled = np.zeros(n, dtype=bool)
        probs = fast.copy()
        paths = (
            (~settled & ~routed, self.emb_logits, w.stack_coef, w.stack_bias),
            (routed, self.e5_logits, w.e5_stack_coef, w.e5_stack_bias),
        )
        for rows, logits_of, coef, bias in paths:
            need = np.flatnonzero(rows)
            if not need.size:
                continue
            emb = logits_of([embed_texts[int(i)] for i in need], rules[need])
            probs[need] = stacked_probs(char[need], emb, rules[need], coef, bias)
        return HeadScores(probs=probs, char_logits=char, used_embedding=~settled)


def stacked_probs(
    char: np.ndarray, emb: np.ndarray, rules: np.ndarray, coef: np.ndarray, bias: np.ndarray
) -> np.ndarray:
    """The full stacker: calibrated (N, H) probabilities from the n-gram logits (N, H),
    an embedding network's logits (N, H) and the rule features (N, N_RULE)."""
    full_in = np.concatenate(
        [char[:, :, None], emb[:, :, None], np.repeat(rules[:, None, :], len(HEADS), 1)], 2
    )
    return _sigmoid(np.einsum("nhf,hf->nh", full_in, coef) + bias)


def mlp_logits(w: ModelWeights, x: np.ndarray) -> np.ndarray:
    """(N, MLP_INPUTS) -> (N, H) logits of the per-head networks on USE."""
    return _network(x, w.mlp_w1, w.mlp_b1, w.mlp_w2, w.mlp_b2)


def e5_mlp_logits(w: ModelWeights, x: np.ndarray) -> np.ndarray:
    """(N, E5_MLP_INPUTS) -> (N, H) logits of the per-head networks on e5."""
    return _network(x, w.e5_w1, w.e5_b1, w.e5_w2, w.e5_b2)


def _network(
    x: np.ndarray, w1: np.ndarray, b1: np.ndarray, w2: np.ndarray, b2: np.ndarray
) -> np.ndarray:
    hidden = np.maximum(np.einsum("nd,hdk->nhk", x, w1) + b1, 0.0)
    return np.asarray(np.einsum("nhk,hk->nh", hidden, w2) + b2, dtype=np.float64)


_LOADED: dict[Path, TextModel] = {}
_LOAD_LOCK = threading.Lock()


def artifact_paths(directory: Path = ARTIFACT_DIR, name: str = ARTIFACT_NAME) -> tuple[Path, Path]:
    return directory / f"{name}.npz", directory / f"{name}.json"


def load_model(npz_path: Path | None = None) -> TextModel:
    """Load (once per process and path) the trained model."""
    weights_path, manifest_path = artifact_paths()
    if npz_path is not None:
        weights_path = npz_path
        manifest_path = npz_path.with_suffix(".json")
    key = weights_path.resolve()
    with _LOAD_LOCK:
        model = _LOADED.get(key)
        if model is None:
            if not weights_path.exists():
                raise FileNotFoundError(
                    f"text model artifact not found at {weights_path}; run `perisai train text`"
                )
            manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
            model = TextModel(ModelWeights.load(weights_path), manifest)
            _LOADED[key] = model
        return model
