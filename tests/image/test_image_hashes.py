"""PDQ agrees with Meta's reference hashes; dihedral variants; hash helpers."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import skimage.data

from perisai.analysers.image.hashes import (
    DIHEDRAL_NAMES,
    hamming,
    hash_image,
    hash_pixels,
    is_pdq_hex,
    pdq_dihedral_from_pixels,
    pdq_from_pixels,
    pdq_mirror_from_pixels,
)

REFERENCE = (
    Path(os.environ.get("PERISAI_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
    / "datasets"
    / "pdq-reference"
)


def _reference_rows() -> list[tuple[str, str, int]]:
    table = REFERENCE / "expected.tsv"
    if not table.exists():
        return []
    lines = table.read_text().splitlines()[1:]
    return [(f, h, int(q)) for f, h, q in (line.split("\t") for line in lines)]


ROWS = _reference_rows()
needs_reference = pytest.mark.skipif(not ROWS, reason="pdq-reference dataset not available")


@needs_reference
@pytest.mark.parametrize(("file", "expected", "quality"), ROWS, ids=[r[0] for r in ROWS])
def test_pdq_matches_reference(file: str, expected: str, quality: int) -> None:
    hashes = hash_image((REFERENCE / file).read_bytes())
    assert hashes.quality == quality
    # Different JPEG decoders legitimately move a few bits; usable hashes must stay close.
    limit = 4 if quality >= 50 else 16
    assert hamming(hashes.pdq, expected) <= limit


@needs_reference
def test_reference_agreement_overall() -> None:
    distances = [
        hamming(hash_image((REFERENCE / f).read_bytes()).pdq, h) for f, h, q in ROWS if q >= 50
    ]
    assert len(distances) == 16
    assert sum(d == 0 for d in distances) >= 12
    assert max(distances) <= 2


@needs_reference
def test_dihedral_hashes_match_transformed_reference_files() -> None:
    expected = {f.rsplit("/", 1)[-1]: h for f, h, _ in ROWS if "/dih/" in f}
    original = (REFERENCE / "images/reg-test-input/dih/bridge-1-original.jpg").read_bytes()
    dihedral = hash_image(original).dihedral
    files = [
        "bridge-1-original.jpg",
        "bridge-2-rotate-90.jpg",
        "bridge-3-rotate-180.jpg",
        "bridge-4-rotate-270.jpg",
        "bridge-5-flipx.jpg",
        "bridge-6-flipy.jpg",
        "bridge-7-flip-plus-1.jpg",
        "bridge-8-flip-minus-1.jpg",
    ]
    assert len(dihedral) == len(DIHEDRAL_NAMES) == 8
    for variant, file in zip(dihedral, files, strict=True):
        assert hamming(variant, expected[file]) <= 10, file
    # ... and each variant is far from the others.
    assert min(hamming(a, b) for i, a in enumerate(dihedral) for b in dihedral[i + 1 :]) > 64


def test_dihedral_of_flipped_pixels_matches_flip_variant() -> None:
    image = np.ascontiguousarray(skimage.data.astronaut())
    variants = [h for h, _ in pdq_dihedral_from_pixels(image)]
    mirrored, _ = pdq_from_pixels(np.ascontiguousarray(image[:, ::-1]))
    upside_down, _ = pdq_from_pixels(np.ascontiguousarray(image[::-1]))
    rotated, _ = pdq_from_pixels(np.ascontiguousarray(np.rot90(image, 1)))
    transposed, _ = pdq_from_pixels(np.ascontiguousarray(image.transpose(1, 0, 2)))
    assert hamming(variants[DIHEDRAL_NAMES.index("flipy")], mirrored) <= 16
    assert hamming(variants[DIHEDRAL_NAMES.index("flipx")], upside_down) <= 16
    assert hamming(variants[DIHEDRAL_NAMES.index("rotate90")], rotated) <= 16
    assert hamming(variants[DIHEDRAL_NAMES.index("flip_plus1")], transposed) <= 16
    assert variants[0] == pdq_from_pixels(image)[0]


def test_hash_pixels_exact_hashes_and_formats() -> None:
    image = np.zeros((64, 80, 3), dtype=np.uint8)
    image[:, 40:] = 255
    hashes = hash_pixels(image, b"abc")
    assert is_pdq_hex(hashes.pdq)
    assert hashes.md5 == "900150983cd24fb0d6963f7d28e17f72"
    assert hashes.sha256.startswith("ba7816bf8f01cfea")
    assert hashes.dihedral[0] == hashes.pdq
    assert hashes.to_dict()["quality"] == hashes.quality


def test_greyscale_array_is_accepted_and_bad_arrays_rejected() -> None:
    grey = (np.arange(64 * 64, dtype=np.uint32).reshape(64, 64) % 251).astype(np.uint8)
    assert pdq_from_pixels(grey) == pdq_from_pixels(np.stack([grey] * 3, axis=-1))
    with pytest.raises(ValueError, match="uint8"):
        pdq_from_pixels(np.zeros((10, 10, 3), dtype=np.float32))
    with pytest.raises(ValueError, match="shape"):
        pdq_from_pixels(np.zeros((10, 10, 5), dtype=np.uint8))
    with pytest.raises(ValueError, match="non-empty"):
        pdq_from_pixels(np.zeros((0, 10, 3), dtype=np.uint8))


def test_hamming() -> None:
    assert hamming("00" * 32, "00" * 32) == 0
    assert hamming("0f" + "00" * 31, "00" * 32) == 4
    assert hamming("ff" * 32, "00" * 32) == 256
    with pytest.raises(ValueError, match="lengths"):
        hamming("00", "0000")
    assert not is_pdq_hex("zz" * 32)
    assert not is_pdq_hex("00" * 31)


def test_mirror_hash_is_exact_where_dihedral_flip_is_not() -> None:
    brick = np.ascontiguousarray(skimage.data.brick())
    brick = np.stack([brick] * 3, axis=-1) if brick.ndim == 2 else brick
    mirrored = np.ascontiguousarray(brick[:, ::-1])
    hashes = hash_pixels(brick, include_mirror=True)
    copy_hash, _ = pdq_from_pixels(mirrored)
    assert hashes.mirror == pdq_mirror_from_pixels(brick)[0]
    assert hamming(hashes.mirror, copy_hash) == 0
    # On fine texture the DCT-derived flip drifts far (documented limit).
    assert hamming(hashes.dihedral[DIHEDRAL_NAMES.index("flipy")], copy_hash) > 31
    assert "mirror" in hashes.to_dict()
    assert "mirror" not in hash_pixels(brick).to_dict()
