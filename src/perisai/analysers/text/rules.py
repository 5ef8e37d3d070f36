"""Exact rules and lexicon matches over normalised text.

Two kinds of output:

* **exact rules** whose meaning does not need a model: an age under 18
  (``14yo``, ``12 tahun``, ``15歳``), an @handle that is not an assistant's,
  a relationship that identifies someone (``my ex``), and, in an edit, a
  pronoun pointing at the person in the photo. These set a floor under the
  ``text.minor`` / ``text.real_person`` scores.
* **lexicon hits** for every category, which are only features for the
  trained models and evidence spans for people reading a decision.

Every hit carries a span of the normalised text; the analyser maps it back to
the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from perisai.analysers.text import lexicon
from perisai.analysers.text.normalise import Normalised, normalise

CATEGORIES = (
    "sexual", "undress", "sexual_violence", "minor", "relation", "deixis", "neutral", "cover",
    "reveal",
)  # fmt: skip
_LEXICONS: dict[str, dict[str, list[str]]] = {
    "sexual": lexicon.SEXUAL,
    "undress": lexicon.UNDRESS,
    "sexual_violence": lexicon.SEXUAL_VIOLENCE,
    "minor": lexicon.MINOR,
    "relation": lexicon.RELATION,
    "deixis": lexicon.DEIXIS,
    "neutral": lexicon.NEUTRAL,
    "cover": lexicon.COVER,
    "reveal": lexicon.REVEAL,
}

# Scripts written without spaces between words, or whose words take attached
# particles (Hangul, Indic, Arabic): match as substrings there.
_SUBSTRING_SCRIPT = re.compile(
    r"[\u0600-\u06ff\u0900-\u0dff\u0e00-\u0e7f\u1100-\u11ff\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]"
)


_WORD_CHAR = re.compile(r"\w")


@dataclass(frozen=True, slots=True)
class RuleHit:
    """One rule or lexicon match: ``start``/``end`` index the normalised text."""

    category: str
    term: str
    start: int
    end: int
    exact: bool = False
    lang: str | None = None


def _term_pattern(term: str) -> str:
    prefix = term.endswith("*")
    body = term[:-1] if prefix else term
    norm = normalise(body).text
    if not norm:
        return ""
    escaped = re.escape(norm).replace(r"\ ", r"\s?")
    if _SUBSTRING_SCRIPT.search(norm):
        return escaped
    # The left word boundary is checked in lexicon_hits, not with a lookbehind here:
    # a leading lookbehind stops the regex engine from skipping ahead by first character,
    # which made matching ~10x slower.
    return escaped + (r"\w*" if prefix else r"(?!\w)")


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[re.Pattern[str], dict[str, str]]]:
    """Per category: one alternation over all languages, and term -> language."""
    out: dict[str, tuple[re.Pattern[str], dict[str, str]]] = {}
    for category, by_lang in _LEXICONS.items():
        pieces: set[str] = set()
        langs: dict[str, str] = {}
        for lang, terms in by_lang.items():
            for term in terms:
                piece = _term_pattern(term)
                if piece:
                    pieces.add(piece)
                    langs.setdefault(normalise(term.rstrip("*")).text, lang)
        ordered = sorted(pieces, key=len, reverse=True)
        out[category] = (re.compile("|".join(ordered)), langs)
    return out


def _language_of(term: str, langs: dict[str, str]) -> str | None:
    found = langs.get(term)
    if found is not None:
        return found
    for known, lang in langs.items():
        if term.startswith(known):
            return lang
    return None


def _phrase_re(phrases: list[str]) -> str:
    """An alternation of the normalised phrases, longest first."""
    escaped = {re.escape(normalise(w).text) for w in phrases}
    return "|".join(sorted(escaped, key=lambda e: (-len(e), e)))


AGE_AFTER = re.compile(
    r"(?<!\d)(\d{1,2})\s?[-_]?\s?(?:" + _phrase_re(lexicon.AGE_UNITS) + r")(?![a-z])"
)
AGE_BEFORE = re.compile(r"(?:" + _phrase_re(lexicon.AGE_PREFIXES) + r")\s?[:=]?\s?(\d{1,2})(?!\d)")


_SHIFT_YOUNGER_AFTER = re.compile(
    r"\s?(?:" + _phrase_re(lexicon.AGE_SHIFT_YOUNGER_AFTER) + r")(?![a-z])"
)
_SHIFT_OTHER_AFTER = re.compile(
    r"\s?(?:" + _phrase_re(lexicon.AGE_SHIFT_OTHER_AFTER) + r")(?![a-z])"
)
_EXPLICIT_AGE_UNIT = re.compile(r"(?:yo|y/o|y\.o|old)$")
_SHIFT_BEFORE = re.compile(r"(?<![a-z])(?:" + _phrase_re(lexicon.AGE_SHIFT_BEFORE) + r")\s?$")
AGE_WORD = re.compile(
    r"(?<![a-z])(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|"
    r"fourteen|fifteen|sixteen|seventeen)[-\s]?years?[-\s]?old(?![a-z])"
)
GRADE = re.compile(r"(?<![a-z])(?:grade|class|kelas|darjah|std|standard)\s?([1-9])(?!\d)")
HANDLE = re.compile(r"(?<![\w.])@([a-z0-9_][a-z0-9_.]{1,30})")
# Two or more capitalised words in a row, in the ORIGINAL text: a possible name.
NAME_CANDIDATE = re.compile(
    r"\b([A-Z][a-z]{1,15})(?:\s+(?:[A-Z][a-z]{1,15}|bin|binti|van|de|da))+\b"
)
_NOT_NAMES = frozenset(
    {"A", "An", "The", "In", "On", "At", "By", "Of", "And", "Make", "Put", "Give", "Add", "Remove",
     "Change", "Turn", "Show", "Create", "Draw", "Paint", "Photo", "Portrait", "Art", "Style",
     "Trending", "Unreal", "Engine", "Octane", "Render", "Greg", "Artstation", "Digital",
     "Painting", "Highly", "Detailed", "Concept", "Cinematic", "Lighting", "New", "York"}
)  # fmt: skip

# Exact-rule floors for the signals they settle.
FLOOR_MINOR_AGE = 0.97
FLOOR_HANDLE = 0.95
FLOOR_RELATION = 0.85
FLOOR_DEIXIS = 0.85
FLOOR_SEXUAL_WITH_MINOR = 0.7


def lexicon_hits(norm: Normalised) -> list[RuleHit]:
    hits: list[RuleHit] = []
    text = norm.text
    for category, (pattern, langs) in _compiled().items():
        for m in pattern.finditer(text):
            start = m.start()
            if (
                start > 0
                and _WORD_CHAR.match(text[start - 1])
                and not _SUBSTRING_SCRIPT.match(text[start])
            ):
                continue  # not at a word start ("xbikini"), unless a spaceless script
            if m.end() > start:
                term = m.group(0)
                hits.append(
                    RuleHit(category, term, m.start(), m.end(), lang=_language_of(term, langs))
                )
    return hits


def _age_shift(text: str, start: int, end: int) -> str | None:
    """How the years at text[start:end] are a difference, if they are one: "other"
    ("10 years older", "20 years ago"), "younger" ("10 years younger", "年轻10岁",
    any difference named before the number), or None (an age)."""
    if _EXPLICIT_AGE_UNIT.search(text[start:end]):
        return None  # "my 12yo younger sister", "a 12 year-old": an age whatever follows
    after, before = text[end : end + 24], text[max(0, start - 16) : start]
    if _SHIFT_OTHER_AFTER.match(after):
        return "other"
    if _SHIFT_YOUNGER_AFTER.match(after) or _SHIFT_BEFORE.search(before):
        return "younger"
    return None


def age_hits(norm: Normalised) -> list[RuleHit]:
    """Ages in the text: ``minor_age`` when under 18, ``adult_age`` otherwise."""
    hits: list[RuleHit] = []
    text = norm.text
    for pattern in (AGE_AFTER, AGE_BEFORE):
        for m in pattern.finditer(text):
            shift = _age_shift(text, m.start(), m.end())
            if shift == "other":
                continue
            age = int(m.group(1))
            category = "minor_age" if 0 < age < 18 else "adult_age"
            exact = category == "minor_age" and shift is None
            hits.append(RuleHit(category, m.group(0), m.start(), m.end(), exact=exact))
    for m in AGE_WORD.finditer(norm.text):
        hits.append(RuleHit("minor_age", m.group(0), m.start(), m.end(), exact=True))
    for m in GRADE.finditer(norm.text):
        hits.append(RuleHit("minor_grade", m.group(0), m.start(), m.end()))
    return hits


def handle_hits(norm: Normalised) -> list[RuleHit]:
    hits: list[RuleHit] = []
    for m in HANDLE.finditer(norm.text):
        name = m.group(1).rstrip(".")
        if name in lexicon.ASSISTANT_HANDLES:
            continue
        hits.append(RuleHit("handle", m.group(0), m.start(), m.end(), exact=True))
    return hits


def name_candidates(original: str) -> list[tuple[int, int, str]]:
    """Spans of the original text that look like a personal name (feature only)."""
    out: list[tuple[int, int, str]] = []
    for m in NAME_CANDIDATE.finditer(original[:2000]):
        words = m.group(0).split()
        if any(w in _NOT_NAMES for w in words):
            continue
        out.append((m.start(), m.end(), m.group(0)))
    return out


def all_hits(norm: Normalised, kind: str) -> list[RuleHit]:
    hits = lexicon_hits(norm) + age_hits(norm) + handle_hits(norm)
    if kind != "edit":
        hits = [h for h in hits if h.category != "deixis"]
    else:
        hits = [
            RuleHit(h.category, h.term, h.start, h.end, exact=True, lang=h.lang)
            if h.category in ("deixis", "relation")
            else h
            for h in hits
        ]
    return hits


RULE_FEATURE_NAMES = (
    "sexual",
    "undress",
    "sexual_violence",
    "minor",
    "relation",
    "deixis",
    "neutral",
    "minor_age",
    "adult_age",
    "minor_grade",
    "handle",
    "name_candidate",
    "undress_not_neutral",
    "cover",
    "reveal",
)


def rule_features(hits: list[RuleHit], original: str) -> np.ndarray:
    """A small dense vector the stacker combines with the model scores.

    Only content: the request's kind and length were left out on purpose,
    because in the training data they mostly say which dataset a row came
    from (short edit instructions are the team corpus, long captions the
    public sets), not whether it is harmful.
    """
    counts = dict.fromkeys(RULE_FEATURE_NAMES, 0.0)
    for h in hits:
        if h.category in counts:
            counts[h.category] += 1.0
    counts["name_candidate"] = float(len(name_candidates(original)))
    counts["undress_not_neutral"] = 1.0 if counts["undress"] and not counts["neutral"] else 0.0
    return np.log1p(np.asarray([counts[n] for n in RULE_FEATURE_NAMES], dtype=np.float32))
