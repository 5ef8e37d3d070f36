"""Image analysis: safe decoding, hashes, and image signals (nudity, faces, age).

This package imports only the light modules (decoding and hashing). The
analysers, which load models, live in ``perisai.analysers.image.analyser``.
"""

from perisai.analysers.image.decode import DecodedImage, DecodeLimits, ImageError, decode_image
from perisai.analysers.image.hashes import (
    DIHEDRAL_NAMES,
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    ImageHashes,
    hamming,
    hash_image,
    hash_pixels,
    pdq_dihedral_from_pixels,
    pdq_from_pixels,
    pdq_mirror_from_pixels,
)

__all__ = [
    "DIHEDRAL_NAMES",
    "PDQ_MATCH_DISTANCE",
    "PDQ_MIN_QUALITY",
    "DecodeLimits",
    "DecodedImage",
    "ImageError",
    "ImageHashes",
    "decode_image",
    "hamming",
    "hash_image",
    "hash_pixels",
    "pdq_dihedral_from_pixels",
    "pdq_from_pixels",
    "pdq_mirror_from_pixels",
]
