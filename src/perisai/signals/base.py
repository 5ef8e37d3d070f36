"""The vocabulary analysers speak: subjects in, scored signals out."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

ImageRole = Literal["input", "output", "upload"]

#: Signal names the default policy understands. Analysers may emit others;
#: a policy can refer to any name, and an absent signal scores 0.
KNOWN_SIGNALS: dict[str, str] = {
    "text.sexual": "The text asks for nudity, sex acts, or erotic or fetish framing.",
    "text.undress_or_sexualise": "The text asks to remove or reduce clothing or to sexualise a person.",
    "text.sexual_violence": "The text combines sexual content with restraint, injury or humiliation.",
    "text.minor": "The text refers to a child or young teenager.",
    "text.real_person": "The text names or points at a real, identifiable person.",
    "image.nudity": "The image shows nudity or sexual content.",
    "image.exposed_parts": "Exposed intimate body parts were detected in the image.",
    "image.face": "The image contains at least one face.",
    "image.real_person_photo": "The image is a photograph of a real person.",
    "image.minor_risk": "A face in the image may belong to a child.",
    "bank.match": "The image matches a hash in an enabled bank.",
    "request.edit_of_person": "The output belongs to an edit of a photo of a real person.",
}


@dataclass(frozen=True, slots=True)
class Evidence:
    """Why a signal fired: a span of text or a region of an image."""

    detail: str
    text: str | None = None
    start: int | None = None
    end: int | None = None
    box: tuple[int, int, int, int] | None = None  # x, y, width, height in pixels

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"detail": self.detail}
        for name in ("text", "start", "end", "box"):
            value = getattr(self, name)
            if value is not None:
                out[name] = list(value) if name == "box" else value
        return out


@dataclass(frozen=True, slots=True)
class Signal:
    """One finding: a calibrated score in [0, 1] with its explanation.

    ``source`` says which part of the request it came from (``prompt``,
    ``image[0]``, ``output``), so reasons can point at it.
    """

    name: str
    score: float
    analyser: str
    explanation: str
    source: str = "prompt"
    evidence: tuple[Evidence, ...] = ()
    attributes: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.score, int | float) or math.isnan(self.score):
            raise ValueError(f"signal {self.name!r}: score must be a number, got {self.score!r}")
        if not 0.0 <= float(self.score) <= 1.0:
            raise ValueError(f"signal {self.name!r}: score {self.score} is outside [0, 1]")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "score": round(float(self.score), 6),
            "analyser": self.analyser,
            "explanation": self.explanation,
            "source": self.source,
        }
        if self.evidence:
            out["evidence"] = [e.to_dict() for e in self.evidence]
        if self.attributes:
            out["attributes"] = self.attributes
        return out


@dataclass(frozen=True, slots=True)
class TextSubject:
    """A generation or edit instruction."""

    text: str
    kind: Literal["generate", "edit"] = "generate"
    language_hint: str | None = None
    source: str = "prompt"


@dataclass(frozen=True, slots=True)
class ImageSubject:
    """A decoded image (RGB, uint8 HxWx3 numpy array) with where it came from."""

    pixels: Any  # numpy.ndarray; typed loosely so this module needs no numpy
    role: ImageRole = "input"
    source: str = "image[0]"
    original_bytes: bytes | None = None


Subject = TextSubject | ImageSubject


class Analyser(ABC):
    """Turns one kind of subject into signals.

    Subclasses set ``name`` (a stable id used in reasons and the ledger) and
    ``subject_type``. Heavy models load in ``__init__`` so an analyser is
    built once per process and ``analyse`` stays on the fast path.
    """

    name: ClassVar[str]
    subject_type: ClassVar[type[TextSubject] | type[ImageSubject]]
    #: Signal names this analyser may produce (documentation and policy checks).
    produces: ClassVar[tuple[str, ...]] = ()

    def accepts(self, subject: Subject) -> bool:
        return isinstance(subject, self.subject_type)

    @abstractmethod
    def analyse(self, subject: Subject) -> Sequence[Signal]:
        """Return the signals found in ``subject`` (may be empty)."""

    def analyse_batch(self, subjects: Sequence[Subject]) -> list[list[Signal]]:
        """Analyse many subjects; override where batching is faster."""
        return [list(self.analyse(s)) for s in subjects]
