"""Signal types: what a bank can hold and how two values are compared.

A signal type is a small stateless class, registered by its stable ``name``
(a storage key: never rename one). It validates and normalises a value,
compares two values, says which index serves it and gives real example
values for tests and docs. Adding a hash type is writing one class and
calling :func:`register`; nothing else branches on the type.

``compare`` is the reference matcher: the brute-force oracle that tests hold
every fast index to.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import ClassVar

from perisai.banks.index import ExactIndex, HammingIndex, SignalIndex


class InvalidSignal(ValueError):
    """A value is not a valid signal of its type; the message says why."""


class UnknownSignalType(ValueError):
    pass


@dataclass(frozen=True)
class Comparison:
    """One result shape for exact and distance-based types."""

    match: bool
    distance: int
    threshold: int


class SignalType(ABC):
    #: Stable storage key.
    name: ClassVar[str]
    #: Other spellings accepted on import (threatexchange, StopNCII).
    aliases: ClassVar[tuple[str, ...]] = ()
    #: Name used when exporting to the threatexchange file format.
    threatexchange_name: ClassVar[str]
    #: Name used in StopNCII records.
    stopncii_name: ClassVar[str | None] = None
    content_types: ClassVar[tuple[str, ...]]
    #: Match distance a new bank gets; 0 for exact types.
    default_match_distance: ClassVar[int] = 0
    #: Largest distance a bank may set.
    max_match_distance: ClassVar[int] = 0
    #: Hashes with a known quality below this are refused (None: no quality).
    quality_threshold: ClassVar[int | None] = None

    @classmethod
    @abstractmethod
    def validate(cls, value: str) -> str:
        """The normalised value, or :class:`InvalidSignal` saying what is wrong."""

    @classmethod
    @abstractmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two normalised values."""

    @classmethod
    def compare(cls, a: str, b: str, threshold: int | None = None) -> Comparison:
        limit = cls.default_match_distance if threshold is None else threshold
        d = cls.distance(a, b)
        return Comparison(d <= limit, d, limit)

    @classmethod
    @abstractmethod
    def new_index(cls) -> SignalIndex:
        """An empty index able to hold this type."""

    @classmethod
    @abstractmethod
    def examples(cls) -> list[str]:
        """Real example values."""


_HEX64 = re.compile(r"[0-9a-f]{64}")
_HEX32 = re.compile(r"[0-9a-f]{32}")


def _describe(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class PdqSignal(SignalType):
    """PDQ, Meta's perceptual photo hash: 256 bits, written as 64 hex digits.

    Visually similar photos have hashes a small Hamming distance apart, so
    PDQ survives re-encoding, resizing and small edits that change an MD5.
    The price is false positives: 31 bits is the published match distance,
    and hashes of featureless images (PDQ quality below 50) match too much
    to be trusted, so they are refused both as bank entries and as queries.
    """

    name = "pdq"
    aliases = ("photo_pdq", "imagepdq", "pdq_hash")
    threatexchange_name = "pdq"
    stopncii_name = "ImagePDQ"
    content_types = ("photo",)
    default_match_distance = 31
    max_match_distance = 63
    quality_threshold = 50
    bits = 256

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise InvalidSignal(f"a PDQ hash must be a string, not {type(value).__name__}")
        normal = value.strip().lower()
        if not _HEX64.fullmatch(normal):
            raise InvalidSignal(
                f"a PDQ hash is 64 hexadecimal digits; got {len(normal)} characters "
                f"{_describe(value)}"
            )
        return normal

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    def new_index(cls) -> SignalIndex:
        return HammingIndex(cls.bits, design_radius=cls.default_match_distance)

    @classmethod
    def examples(cls) -> list[str]:
        # Meta's PDQ reference photos (pdq/data/bridge-mods, misc-images).
        return [
            "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22",
            "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22",
            "e64cc9d91c623882f8d1f1d9a398e78c9f199b3bd83924f2b7e11e0bf861b064",
            "6227401f601ff4ccafcc9fad4b0d95d371a2eb7265a3285234d228ca94deeb2d",
        ]


class Md5Signal(SignalType):
    """MD5 of a file's bytes (StopNCII uses it for video): exact match only.

    One changed byte gives another MD5, so it only finds identical copies.
    """

    name = "md5"
    aliases = ("video_md5", "videomd5", "photo_md5", "file_md5")
    threatexchange_name = "video_md5"
    stopncii_name = "VideoMD5"
    content_types = ("video", "photo", "file")

    @classmethod
    def validate(cls, value: str) -> str:
        if not isinstance(value, str):
            raise InvalidSignal(f"an MD5 must be a string, not {type(value).__name__}")
        normal = value.strip().lower()
        if not _HEX32.fullmatch(normal):
            raise InvalidSignal(
                f"an MD5 is 32 hexadecimal digits; got {len(normal)} characters {_describe(value)}"
            )
        return normal

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1

    @classmethod
    def new_index(cls) -> SignalIndex:
        return ExactIndex()

    @classmethod
    def examples(cls) -> list[str]:
        return ["cab08b36195edb1a1231d2d09fa450e0", "d41d8cd98f00b204e9800998ecf8427e"]


_REGISTRY: dict[str, type[SignalType]] = {}
_LOOKUP: dict[str, type[SignalType]] = {}


def register(signal_type: type[SignalType]) -> type[SignalType]:
    """Add a signal type; its name and aliases must not clash with others."""
    names = [signal_type.name, *signal_type.aliases]
    if signal_type.stopncii_name:
        names.append(signal_type.stopncii_name)
    for key in names:
        known = _LOOKUP.get(key.lower())
        if known is not None and known is not signal_type:
            raise ValueError(f"signal type name {key!r} is already used by {known.name}")
    _REGISTRY[signal_type.name] = signal_type
    for key in names:
        _LOOKUP[key.lower()] = signal_type
    return signal_type


def signal_types() -> dict[str, type[SignalType]]:
    return dict(_REGISTRY)


def get_signal_type(name: str) -> type[SignalType]:
    """The type registered under ``name`` or one of its aliases (any case)."""
    found = _LOOKUP.get(str(name).strip().lower()) if isinstance(name, str) else None
    if found is None:
        known = ", ".join(sorted(_REGISTRY))
        raise UnknownSignalType(f"unknown signal type {_describe(name)}; known: {known}")
    return found


def by_stopncii_name(name: str) -> type[SignalType] | None:
    for signal_type in _REGISTRY.values():
        if signal_type.stopncii_name == name:
            return signal_type
    return None


register(PdqSignal)
register(Md5Signal)
