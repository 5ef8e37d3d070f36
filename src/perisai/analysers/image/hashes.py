"""Image hashes: PDQ (perceptual) and MD5/SHA-256 (exact) of the original bytes.

PDQ comes from ``pdqhash``, a binding to Meta's C++ reference code. Fed the
pixels Pillow decodes (RGB, full resolution, luma 0.299/0.587/0.114 inside
the binding), it reproduces the reference hashes in
``datasets/pdq-reference`` exactly on 15 of 19 photos and within 2 bits on 3
more (the 19th is a featureless quality-3 sky, 12 bits off), with equal
quality scores; see ``tests/image/test_image_hashes.py``.

Hashes are written as 64 lower-case hex digits, most significant bit first,
the text form ThreatExchange, HMA and StopNCII use.

``pdqhash.compute_dihedral`` yields the hashes of all eight rotations and
flips of an image for the cost of one, in this order (the names the
reference test images use).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pdqhash

#: Meta's recommended match threshold and quality floor for PDQ.
PDQ_MATCH_DISTANCE = 31
PDQ_MIN_QUALITY = 50

DIHEDRAL_NAMES: tuple[str, ...] = (
    "original",
    "rotate90",  # numpy.rot90(pixels, 1): a quarter turn anticlockwise
    "rotate180",
    "rotate270",
    "flipx",  # about the x axis: upside down, pixels[::-1]
    "flipy",  # about the y axis: a left-right mirror, pixels[:, ::-1]
    "flip_plus1",  # transpose
    "flip_minus1",  # anti-transpose
)

_HEX_DIGITS = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class ImageHashes:
    """All hashes of one image. ``dihedral[0] == pdq``."""

    pdq: str
    quality: int
    dihedral: tuple[str, ...]
    md5: str
    sha256: str
    #: PDQ of the left-right mirror image, when asked for (see ``pdq_mirror_from_pixels``).
    mirror: str | None = None

    @property
    def pdq_usable(self) -> bool:
        """Whether the PDQ hash carries enough detail to match on (quality >= 50)."""
        return self.quality >= PDQ_MIN_QUALITY

    def to_dict(self) -> dict[str, object]:
        return {
            "pdq": self.pdq,
            "quality": self.quality,
            "dihedral": list(self.dihedral),
            "md5": self.md5,
            "sha256": self.sha256,
            **({"mirror": self.mirror} if self.mirror is not None else {}),
        }


def _as_rgb(rgb: npt.NDArray[np.generic]) -> npt.NDArray[np.uint8]:
    array = np.asarray(rgb)
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.ndim != 3 or array.shape[2] not in (3, 4):
        raise ValueError(f"expected an HxWx3 RGB array, got shape {array.shape}")
    if array.shape[0] < 1 or array.shape[1] < 1:
        raise ValueError(f"expected a non-empty image, got shape {array.shape}")
    if array.dtype != np.uint8:
        raise ValueError(f"expected uint8 pixels, got {array.dtype}")
    return np.ascontiguousarray(array[:, :, :3])


def _bits_to_hex(bits: npt.NDArray[np.generic]) -> str:
    return np.packbits(np.asarray(bits, dtype=np.uint8)).tobytes().hex()


def pdq_from_pixels(rgb: npt.NDArray[np.generic]) -> tuple[str, int]:
    """PDQ hash (64 hex digits) and quality (0-100) of an RGB uint8 array."""
    bits, quality = pdqhash.compute(_as_rgb(rgb))
    return _bits_to_hex(bits), int(quality)


def pdq_dihedral_from_pixels(rgb: npt.NDArray[np.generic]) -> list[tuple[str, int]]:
    """The eight dihedral PDQ hashes (order of :data:`DIHEDRAL_NAMES`), each with quality."""
    all_bits, quality = pdqhash.compute_dihedral(_as_rgb(rgb))
    return [(_bits_to_hex(bits), int(quality)) for bits in all_bits]


def pdq_mirror_from_pixels(rgb: npt.NDArray[np.generic]) -> tuple[str, int]:
    """PDQ of the left-right mirror image, hashed from the mirrored pixels.

    The dihedral ``flipy`` hash is derived from the original's DCT and can sit
    30-90 bits away from this on fine textures (PDQ's box filter samples shift
    by a pixel under a mirror); hashing the mirrored pixels is exact. It costs
    one more PDQ, so it is opt-in.
    """
    return pdq_from_pixels(np.ascontiguousarray(_as_rgb(rgb)[:, ::-1]))


def hamming(hex_a: str, hex_b: str) -> int:
    """Bit distance between two equal-length hex hashes."""
    if len(hex_a) != len(hex_b):
        raise ValueError(f"hash lengths differ: {len(hex_a)} and {len(hex_b)} hex digits")
    return (int(hex_a, 16) ^ int(hex_b, 16)).bit_count()


def is_pdq_hex(value: str) -> bool:
    """Whether ``value`` is a PDQ hash written as 64 lower- or upper-case hex digits."""
    return isinstance(value, str) and len(value) == 64 and set(value.lower()) <= _HEX_DIGITS


def hash_pixels(
    rgb: npt.NDArray[np.generic], original_bytes: bytes = b"", include_mirror: bool = False
) -> ImageHashes:
    """Hash decoded pixels; MD5/SHA-256 are of ``original_bytes`` (empty if not given)."""
    dihedral = pdq_dihedral_from_pixels(rgb)
    pdq, quality = dihedral[0]
    return ImageHashes(
        pdq=pdq,
        quality=quality,
        dihedral=tuple(h for h, _ in dihedral),
        md5=hashlib.md5(original_bytes, usedforsecurity=False).hexdigest(),
        sha256=hashlib.sha256(original_bytes).hexdigest(),
        mirror=pdq_mirror_from_pixels(rgb)[0] if include_mirror else None,
    )


def hash_image(data: bytes, include_mirror: bool = False) -> ImageHashes:
    """Decode untrusted image bytes and hash them.

    Raises :class:`perisai.analysers.image.decode.ImageError` for bad input.
    PDQ is computed on the first frame at full resolution, EXIF orientation
    applied, alpha composited on white.
    """
    from perisai.analysers.image.decode import decode_image

    decoded = decode_image(data)
    return hash_pixels(decoded.pixels, bytes(data), include_mirror)
