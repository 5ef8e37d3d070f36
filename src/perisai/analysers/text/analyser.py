"""``TextAnalyser``: a prompt or edit instruction in, five calibrated signals out.

Pipeline per text: normalise (with an offset map to the original) -> exact
rules and lexicon hits -> hashed n-gram model -> (if the cheap stage is not
sure) embedding network on USE multilingual -> calibrated stacker per signal ->
floors from exact rules (an age under 18, an @handle, a relationship, edit
deixis) -> evidence spans mapped back to the original text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from perisai.analysers.text import rules as rule_mod
from perisai.analysers.text.features import token_contributions
from perisai.analysers.text.language import detect_language
from perisai.analysers.text.lexicon import SEXUALISED_MINOR_TERMS
from perisai.analysers.text.model import HEADS, TextModel, load_model
from perisai.analysers.text.prepare import Prepared, prepare
from perisai.signals.base import Analyser, Evidence, Signal, Subject, TextSubject

SIGNAL_NAMES = tuple(f"text.{h}" for h in HEADS)

_HEAD_RULE_CATEGORIES: dict[str, tuple[str, ...]] = {
    "sexual": ("sexual",),
    "undress_or_sexualise": ("undress",),
    "sexual_violence": ("sexual_violence",),
    "minor": ("minor", "minor_age", "minor_grade"),
    "real_person": ("handle", "relation", "deixis"),
}

_EXPLANATIONS: dict[str, str] = {
    "sexual": "asks for nudity, sex acts, or erotic or fetish framing",
    "undress_or_sexualise": "asks to remove or reduce clothing or to sexualise a person",
    "sexual_violence": "combines sexual content with restraint, injury or humiliation",
    "minor": "refers to a child or young teenager",
    "real_person": "names or points at a real, identifiable person",
}

MAX_EVIDENCE = 5
MINOR_RULES = frozenset({"minor", "minor_age", "minor_grade"})
#: Below this score a signal gets rule evidence only (no n-gram attribution).
EVIDENCE_MIN_SCORE = 0.2


@dataclass(frozen=True, slots=True)
class ScoredText:
    prepared: Prepared
    probs: dict[str, float]
    floors: dict[str, tuple[float, str]]  # head -> (floor, rule that set it)
    used_embedding: bool
    lang: str | None


def _rule_floors(prepared: Prepared) -> dict[str, tuple[float, str]]:
    floors: dict[str, tuple[float, str]] = {}

    def raise_floor(head: str, value: float, why: str) -> None:
        if value > floors.get(head, (0.0, ""))[0]:
            floors[head] = (value, why)

    for hit in prepared.hits:
        if hit.category == "minor_age":
            raise_floor("minor", rule_mod.FLOOR_MINOR_AGE, "age under 18")
        elif hit.category == "minor" and hit.term.startswith(SEXUALISED_MINOR_TERMS):
            raise_floor("minor", rule_mod.FLOOR_MINOR_AGE, "a term for a sexualised child")
        elif hit.category == "handle":
            raise_floor("real_person", rule_mod.FLOOR_HANDLE, "@handle")
        elif hit.category == "relation":
            raise_floor("real_person", rule_mod.FLOOR_RELATION, "relationship to the writer")
        elif hit.category == "deixis" and prepared.kind == "edit":
            raise_floor("real_person", rule_mod.FLOOR_DEIXIS, "points at the person in the photo")
    # A sexual word in the same request as a child or an age under 18: the model's
    # sexual head may read "sexy pose" as mild, but next to a minor nothing sexual is
    # mild. (Undressing words are left to the model: "a child in a swimsuit building
    # sandcastles" is an ordinary beach picture.)
    categories = {hit.category for hit in prepared.hits}
    if categories & MINOR_RULES and "sexual" in categories:
        raise_floor("sexual", rule_mod.FLOOR_SEXUAL_WITH_MINOR, "sexual word next to a minor")
    return floors


class TextAnalyser(Analyser):
    """Scores prompts and edit instructions for the five ``text.*`` signals."""

    name: ClassVar[str] = "text"
    subject_type: ClassVar[type[TextSubject]] = TextSubject
    produces: ClassVar[tuple[str, ...]] = SIGNAL_NAMES

    def __init__(self, model: TextModel | None = None, cascade: bool = True) -> None:
        self.model = model if model is not None else load_model()
        self.cascade = cascade
        self.thresholds = self.model.thresholds()
        # Load the embedders now: the first request must not pay for them.
        _ = self.model.embedder
        _ = self.model.e5

    # --- scoring ---------------------------------------------------------------------

    def score_batch(self, texts: Sequence[str], kinds: Sequence[str]) -> list[ScoredText]:
        """Final per-head scores (model, then exact-rule floors) for many texts."""
        if len(texts) != len(kinds):
            raise ValueError("score_batch: texts and kinds differ in length")
        prepared = [prepare(t, k) for t, k in zip(texts, kinds, strict=True)]
        if not prepared:
            return []
        rules = np.vstack([p.rules for p in prepared])
        scores = self.model.predict(
            [p.norm.text for p in prepared], [p.embed_text for p in prepared], rules, self.cascade
        )
        out: list[ScoredText] = []
        for i, p in enumerate(prepared):
            floors = _rule_floors(p)
            probs = {}
            for h, head in enumerate(HEADS):
                value = float(scores.probs[i, h])
                if head in floors:
                    value = max(value, floors[head][0])
                probs[head] = min(1.0, max(0.0, value))
            out.append(
                ScoredText(
                    p,
                    probs,
                    floors,
                    bool(scores.used_embedding[i]),
                    detect_language(p.norm.original),
                )
            )
        return out

    def sexual_scores(self, texts: Sequence[str], kinds: Sequence[str] | None = None) -> np.ndarray:
        """Max of the three sexual heads per text (the gate's sexual-content score)."""
        kinds = kinds if kinds is not None else ["generate"] * len(texts)
        scored = self.score_batch(texts, kinds)
        return np.array(
            [
                max(s.probs["sexual"], s.probs["undress_or_sexualise"], s.probs["sexual_violence"])
                for s in scored
            ]
        )

    # --- evidence --------------------------------------------------------------------

    def _token_spans(self, scored: ScoredText) -> tuple[list[tuple[int, int]], np.ndarray]:
        """Whitespace tokens of the normalised text and their n-gram contributions per head."""
        text = scored.prepared.norm.text
        spans: list[tuple[int, int]] = []
        start = None
        for i, ch in enumerate(text + " "):
            if ch == " ":
                if start is not None:
                    spans.append((start, i))
                    start = None
            elif start is None:
                start = i
        tokens = [text[a:b] for a, b in spans]
        return spans, token_contributions(tokens, self.model.char_coef_t)

    def _evidence(
        self,
        scored: ScoredText,
        h: int,
        head: str,
        tokens: tuple[list[tuple[int, int]], np.ndarray] | None,
    ) -> tuple[Evidence, ...]:
        norm = scored.prepared.norm
        original = norm.original
        found: list[Evidence] = []
        seen: set[tuple[int, int]] = set()
        categories = _HEAD_RULE_CATEGORIES[head]
        for hit in scored.prepared.hits:
            if hit.category not in categories:
                continue
            start, end = norm.original_span(hit.start, hit.end)
            if (start, end) in seen:
                continue
            seen.add((start, end))
            detail = f"{'rule' if hit.exact else 'cue'}: {hit.category}"
            if hit.lang:
                detail += f" ({hit.lang})"
            found.append(Evidence(detail=detail, text=original[start:end], start=start, end=end))
        if tokens is not None and len(found) < MAX_EVIDENCE:
            found.extend(self._ngram_evidence(scored, h, tokens, seen, MAX_EVIDENCE - len(found)))
        return tuple(found[:MAX_EVIDENCE])

    def _ngram_evidence(
        self,
        scored: ScoredText,
        h: int,
        tokens: tuple[list[tuple[int, int]], np.ndarray],
        seen: set[tuple[int, int]],
        limit: int,
    ) -> list[Evidence]:
        norm = scored.prepared.norm
        spans, contributions = tokens
        if not spans:
            return []
        contrib = contributions[:, h]
        order = np.argsort(-contrib)
        out: list[Evidence] = []
        for k in order[:limit]:
            if contrib[k] <= 0.5:
                break
            o_start, o_end = norm.original_span(*spans[k])
            if (o_start, o_end) in seen:
                continue
            seen.add((o_start, o_end))
            out.append(
                Evidence(
                    detail=f"model: n-grams of this word raise the score ({contrib[k]:+.2f})",
                    text=norm.original[o_start:o_end],
                    start=o_start,
                    end=o_end,
                )
            )
        return out

    # --- Analyser interface ----------------------------------------------------------

    def _signals(self, scored: ScoredText, subject: TextSubject) -> list[Signal]:
        lang = subject.language_hint or scored.lang
        needs_tokens = any(scored.probs[head] >= EVIDENCE_MIN_SCORE for head in HEADS)
        tokens = self._token_spans(scored) if needs_tokens else None
        signals: list[Signal] = []
        for h, head in enumerate(HEADS):
            score = scored.probs[head]
            explanation = f"The {subject.kind} text {_EXPLANATIONS[head]} (score {score:.2f})."
            if head in scored.floors and scored.floors[head][0] >= score - 1e-9:
                explanation += f" Exact rule: {scored.floors[head][1]}."
            signals.append(
                Signal(
                    name=f"text.{head}",
                    score=score,
                    analyser=self.name,
                    explanation=explanation,
                    source=subject.source,
                    evidence=self._evidence(
                        scored, h, head, tokens if score >= EVIDENCE_MIN_SCORE else None
                    ),
                    attributes={
                        "lang": lang,
                        "threshold": self.thresholds[head],
                        "model_version": self.model.version,
                        "embedding_used": scored.used_embedding,
                    },
                )
            )
        return signals

    def analyse(self, subject: Subject) -> Sequence[Signal]:
        return self.analyse_batch([subject])[0]

    def analyse_batch(self, subjects: Sequence[Subject]) -> list[list[Signal]]:
        texts: list[TextSubject] = []
        for subject in subjects:
            if not isinstance(subject, TextSubject):
                raise TypeError(f"TextAnalyser takes TextSubject, got {type(subject).__name__}")
            if not isinstance(subject.text, str):
                raise TypeError(f"TextSubject.text must be str, got {type(subject.text).__name__}")
            if subject.kind not in ("generate", "edit"):
                raise ValueError(
                    f"TextSubject.kind must be 'generate' or 'edit', got {subject.kind!r}"
                )
            texts.append(subject)
        scored = self.score_batch([s.text for s in texts], [s.kind for s in texts])
        return [self._signals(sc, s) for sc, s in zip(scored, texts, strict=True)]
