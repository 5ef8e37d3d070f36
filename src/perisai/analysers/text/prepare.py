"""One text in, everything the model and the evidence need out.

Training and inference both go through :func:`prepare`, so features can
never drift between the two.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from perisai.analysers.text.lexicon import ASSISTANT_HANDLES
from perisai.analysers.text.normalise import Normalised, normalise
from perisai.analysers.text.rules import RuleHit, all_hits, rule_features

_ASSISTANT_MENTION = re.compile(
    r"(?<![\w.])@(?:"
    + "|".join(sorted(ASSISTANT_HANDLES, key=len, reverse=True))
    + r")(?![\w])[\s,:]*"
)


@dataclass(frozen=True, slots=True)
class Prepared:
    norm: Normalised  # accents stripped: n-grams and rules
    embed_text: str  # accents kept: the sentence embedder
    hits: tuple[RuleHit, ...]
    rules: np.ndarray
    kind: str


def drop_assistant_mentions(norm: Normalised) -> Normalised:
    """Remove "@grok"-style mentions: who is asked says nothing about the request."""
    spans = [m.span() for m in _ASSISTANT_MENTION.finditer(norm.text)]
    if not spans:
        return norm
    keep = [True] * len(norm.text)
    for a, b in spans:
        for i in range(a, b):
            keep[i] = False
    idx = [i for i, k in enumerate(keep) if k]
    return Normalised(
        original=norm.original,
        text="".join(norm.text[i] for i in idx),
        starts=tuple(norm.starts[i] for i in idx),
        ends=tuple(norm.ends[i] for i in idx),
    )


def prepare(text: str, kind: str = "generate") -> Prepared:
    norm = drop_assistant_mentions(normalise(text))
    if text.isascii():  # accents cannot differ: skip the second pass
        embed_text = norm.text
    else:
        embed_text = drop_assistant_mentions(normalise(text, strip_accents=False)).text
    hits = all_hits(norm, kind)
    rules = rule_features(hits, text)
    return Prepared(norm=norm, embed_text=embed_text, hits=tuple(hits), rules=rules, kind=kind)
