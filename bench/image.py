"""Image benchmark: PDQ robustness, false matches, and whole-image analysis speed.

Run: ``.venv/bin/python bench/image.py`` (``--quick`` for a smaller run).
Prints the results and writes ``docs/benchmarks/image.md``.

Part 1 (robustness): benign photos (skimage.data and Meta's PDQ reference
photos) are transformed the way re-uploads are (JPEG quality 30, resize to
25%, 10% crop, +-5 degree rotation, brightness +-30%, a text caption, a
horizontal flip) and each copy is checked against the original's hash at
Hamming distance <= 31. "plain" compares with the original's hash; "dihedral"
with any of its 8 rotated/flipped hashes (what a bank using
``compute_dihedral`` does). Hashes with quality < 50 are dropped, as Meta
recommends, and counted.

Part 1b (false matches): thousands of distinct benign images (disjoint tiles
of different photos, random drawn shapes, smooth noise textures, and mixtures)
are hashed and every pair is compared; a pair within 31 bits is a false
match unless its pixels show the same picture under a flip or rotation (two
corners of a round subject are such copies: dihedral matching exists to catch
them).

Part 2 (age): apparent age on the benign adult faces available offline.

Part 3 (speed): the whole pipeline (decode, PDQ + exact hashes, open_nsfw,
faces, age) on 1024x1024 JPEGs: single-image latency percentiles with the
in-process thread pool, per-stage times, and batch throughput with two worker
processes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import multiprocessing as mp
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import skimage.data
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

from perisai.analysers.image.analyser import analyse_image_bytes, shared_image_analysers
from perisai.analysers.image.hashes import (
    DIHEDRAL_NAMES,
    PDQ_MATCH_DISTANCE,
    PDQ_MIN_QUALITY,
    pdq_dihedral_from_pixels,
    pdq_from_pixels,
)

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PERISAI_SHARED_DIR", REPO.parent / "shared"))
REFERENCE = SHARED / "datasets" / "pdq-reference"
OUT = REPO / "docs" / "benchmarks" / "image.md"
# A matching pair is a copy, not a false match, when after the best flip or rotation
# its 64x64 grey thumbnails correlate this well and differ this little on average.
COPY_MIN_CORRELATION = 0.95
COPY_MAX_MEAN_DIFF = 8.0

SKIMAGE_PHOTOS = [
    "astronaut",
    "brick",
    "camera",
    "cell",
    "chelsea",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "microaneurysms",
    "moon",
    "page",
    "retina",
    "rocket",
    "text",
]
REFERENCE_PHOTOS = [
    "images/reg-test-input/dih/bridge-1-original.jpg",
    "images/reg-test-input/pen-and-coaster.png",
    "images/reg-test-input/labelme-subset/q0122.jpg",
    "images/reg-test-input/labelme-subset/q0291.jpg",
    "images/reg-test-input/labelme-subset/q0746.jpg",
    "images/reg-test-input/labelme-subset/q1050.jpg",
    "images/reg-test-input/labelme-subset/q2821.jpg",
]


def rgb(array: np.ndarray) -> np.ndarray:
    if array.ndim == 2:
        array = np.stack([array] * 3, axis=-1)
    if array.dtype != np.uint8:
        array = (255 * (array - array.min()) / max(float(np.ptp(array)), 1e-9)).astype(np.uint8)
    return np.ascontiguousarray(array[..., :3])


def benign_photos() -> dict[str, np.ndarray]:
    photos = {name: rgb(getattr(skimage.data, name)()) for name in SKIMAGE_PHOTOS}
    for relative in REFERENCE_PHOTOS:
        path = REFERENCE / relative
        if path.exists():
            with Image.open(path) as image:
                photos[Path(relative).stem] = np.asarray(image.convert("RGB"))
    return photos


# ---------------------------------------------------------------- transforms


def _jpeg(image: Image.Image, quality: int) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def _crop(image: Image.Image, fraction: float, centred: bool) -> Image.Image:
    w, h = image.size
    dx, dy = round(w * fraction), round(h * fraction)
    if centred:
        return image.crop((dx // 2, dy // 2, w - (dx - dx // 2), h - (dy - dy // 2)))
    return image.crop((dx, dy, w, h))


def _caption(image: Image.Image) -> Image.Image:
    out = image.copy()
    draw = ImageDraw.Draw(out)
    size = max(12, out.size[1] // 12)
    font = ImageFont.load_default(size=size)
    text = "when the weekend finally arrives"
    x, y = out.size[0] // 20, out.size[1] - int(size * 1.6)
    for ox, oy in ((-2, 0), (2, 0), (0, -2), (0, 2)):
        draw.text((x + ox, y + oy), text, fill=(0, 0, 0), font=font)
    draw.text((x, y), text, fill=(255, 255, 255), font=font)
    return out


TRANSFORMS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "jpeg_q30": lambda im: _jpeg(im, 30),
    "resize_25pct": lambda im: im.resize(
        (max(1, im.size[0] // 4), max(1, im.size[1] // 4)), Image.Resampling.BILINEAR
    ),
    "crop_2pct_centred": lambda im: _crop(im, 0.02, centred=True),
    "crop_5pct_centred": lambda im: _crop(im, 0.05, centred=True),
    "crop_10pct_centred": lambda im: _crop(im, 0.10, centred=True),
    "crop_10pct_corner": lambda im: _crop(im, 0.10, centred=False),
    "rotate_+1deg": lambda im: im.rotate(1, Image.Resampling.BILINEAR),
    "rotate_+2deg": lambda im: im.rotate(2, Image.Resampling.BILINEAR),
    "rotate_+5deg": lambda im: im.rotate(5, Image.Resampling.BILINEAR),
    "rotate_-5deg": lambda im: im.rotate(-5, Image.Resampling.BILINEAR),
    "brightness_+30pct": lambda im: ImageEnhance.Brightness(im).enhance(1.3),
    "brightness_-30pct": lambda im: ImageEnhance.Brightness(im).enhance(0.7),
    "text_caption": _caption,
    "flip_horizontal": lambda im: im.transpose(Image.Transpose.FLIP_LEFT_RIGHT),
}


def hamming_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise bit distances between rows of two uint64[N, 4] arrays."""
    out = np.zeros((a.shape[0], b.shape[0]), dtype=np.int32)
    for word in range(4):
        out += np.bitwise_count(a[:, word, None] ^ b[None, :, word]).astype(np.int32)
    return out


def to_words(hex_hashes: list[str]) -> np.ndarray:
    return np.array(
        [[int(h[i : i + 16], 16) for i in range(0, 64, 16)] for h in hex_hashes], dtype=np.uint64
    ).reshape(-1, 4)


def robustness(photos: dict[str, np.ndarray]) -> tuple[list[str], list[str], dict[str, object]]:
    usable: dict[str, tuple[str, list[str]]] = {}
    dropped_originals = []
    for name, pixels in photos.items():
        dihedral = pdq_dihedral_from_pixels(pixels)
        if dihedral[0][1] < PDQ_MIN_QUALITY:
            dropped_originals.append(f"{name} (quality {dihedral[0][1]})")
            continue
        usable[name] = (dihedral[0][0], [h for h, _ in dihedral])
    rows = []
    per_transform: dict[str, dict[str, float]] = {}
    for transform, apply in TRANSFORMS.items():
        plain_hits = dihedral_hits = low_quality = 0
        distances = []
        for name, (original, dihedral_hashes) in usable.items():
            copy = np.asarray(apply(Image.fromarray(photos[name])).convert("RGB"))
            copy_hash, quality = pdq_from_pixels(copy)
            if quality < PDQ_MIN_QUALITY:
                low_quality += 1
                continue
            plain = (int(original, 16) ^ int(copy_hash, 16)).bit_count()
            best = min((int(h, 16) ^ int(copy_hash, 16)).bit_count() for h in dihedral_hashes)
            distances.append(min(plain, best))
            plain_hits += plain <= PDQ_MATCH_DISTANCE
            dihedral_hits += best <= PDQ_MATCH_DISTANCE
        total = len(usable)
        per_transform[transform] = {
            "plain": plain_hits / total,
            "dihedral": dihedral_hits / total,
        }
        rows.append(
            f"| {transform} | {total} | {plain_hits / total:.0%} | {dihedral_hits / total:.0%} "
            f"| {statistics.median(distances) if distances else float('nan'):.0f} "
            f"| {max(distances) if distances else 0} | {low_quality} |"
        )
    # Alternative to dihedral hashes for mirrors: the query also hashes its own mirror image
    # (one more PDQ per query) and compares that with the original's plain hash.
    hits = 0
    distances = []
    for name, (original, _) in usable.items():
        copy = np.asarray(TRANSFORMS["flip_horizontal"](Image.fromarray(photos[name])))
        unmirrored, _quality = pdq_from_pixels(np.ascontiguousarray(copy[:, ::-1]))
        distance = (int(original, 16) ^ int(unmirrored, 16)).bit_count()
        distances.append(distance)
        hits += distance <= PDQ_MATCH_DISTANCE
    rows.append(
        f"| flip_horizontal, query also hashes its mirror | {len(usable)} | - | "
        f"{hits / len(usable):.0%} (mirror) | {statistics.median(distances):.0f} "
        f"| {max(distances)} | 0 |"
    )
    return rows, dropped_originals, {"per_transform": per_transform, "originals": len(usable)}


# ---------------------------------------------------------------- distinct images


def distinct_images(count_shapes: int, count_noise: int, rng: np.random.Generator):
    """Yield (kind, label, pixels) for distinct benign images."""
    sources = {n: rgb(getattr(skimage.data, n)()) for n in SKIMAGE_PHOTOS}
    for relative in REFERENCE_PHOTOS:
        path = REFERENCE / relative
        if path.exists():
            with Image.open(path) as image:
                sources[Path(relative).stem] = np.asarray(image.convert("RGB"))
    # Disjoint tiles: one grid per source image, so no two tiles share pixels.
    for name, source in sources.items():
        height, width = source.shape[:2]
        tile = max(64, min(height, width) // 4)
        for y in range(0, height - tile + 1, tile):
            for x in range(0, width - tile + 1, tile):
                label = f"{name} tile at ({x}, {y}), {tile} px"
                yield "photo_tile", label, np.ascontiguousarray(source[y : y + tile, x : x + tile])
    for _ in range(count_shapes):
        size = int(rng.integers(128, 384))
        image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
        draw = ImageDraw.Draw(image)
        for _ in range(int(rng.integers(3, 25))):
            x0, y0 = (int(v) for v in rng.integers(-size // 4, size, 2))
            w, h = (int(v) for v in rng.integers(8, size // 2, 2))
            colour = tuple(int(v) for v in rng.integers(0, 256, 3))
            kind = int(rng.integers(0, 4))
            if kind == 0:
                draw.ellipse([x0, y0, x0 + w, y0 + h], fill=colour)
            elif kind == 1:
                draw.rectangle([x0, y0, x0 + w, y0 + h], fill=colour)
            elif kind == 2:
                draw.line([x0, y0, x0 + w, y0 + h], fill=colour, width=int(rng.integers(1, 12)))
            else:
                points = [tuple(int(v) for v in rng.integers(0, size, 2)) for _ in range(3)]
                draw.polygon(points, fill=colour)
        yield "drawn_shapes", "drawn shapes", np.asarray(image)
    for _ in range(count_noise):
        base = int(rng.integers(3, 24))
        field = rng.random((base, base, 3)) * 255
        size = int(rng.integers(128, 320))
        image = Image.fromarray(field.astype(np.uint8)).resize(
            (size, size), Image.Resampling.BICUBIC
        )
        if rng.random() < 0.5:
            image = image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.5, 3))))
        yield "noise_texture", "noise texture", np.asarray(image)


def thumbnail(pixels: np.ndarray) -> np.ndarray:
    """64x64 grey thumbnail, PDQ's own working scale, for pixel-level comparison."""
    grey = Image.fromarray(pixels).convert("L").resize((64, 64), Image.Resampling.BOX)
    return np.asarray(grey, dtype=np.float64)


def dihedral_copy(a: np.ndarray, b: np.ndarray) -> tuple[bool, float, float]:
    """Whether thumbnail ``b`` is, under some flip or rotation, the same picture as ``a``.

    Returns (is a copy, best correlation, mean absolute difference in grey levels at
    that transform). A copy: correlation >= 0.95 and mean difference <= 8 of 255.
    """
    best = (-1.0, 255.0)
    for turns in range(4):
        for mirror in (False, True):
            c = np.rot90(b, turns)
            c = c[:, ::-1] if mirror else c
            corr = float(np.corrcoef(a.ravel(), c.ravel())[0, 1])
            if corr > best[0]:
                best = (corr, float(np.abs(a - c).mean()))
    return best[0] >= COPY_MIN_CORRELATION and best[1] <= COPY_MAX_MEAN_DIFF, best[0], best[1]


def false_matches(quick: bool) -> tuple[list[str], dict[str, object]]:
    rng = np.random.default_rng(20260122)
    kinds: dict[str, int] = {}
    kept: list[str] = []
    kept_dihedral: list[list[str]] = []
    thumbs: list[np.ndarray] = []
    labels: list[str] = []
    dropped: dict[str, int] = {}
    n_shapes, n_noise = (600, 400) if quick else (2500, 1500)
    for kind, label, pixels in distinct_images(n_shapes, n_noise, rng):
        kinds[kind] = kinds.get(kind, 0) + 1
        dihedral = pdq_dihedral_from_pixels(pixels)
        if dihedral[0][1] < PDQ_MIN_QUALITY:
            dropped[kind] = dropped.get(kind, 0) + 1
            continue
        kept.append(dihedral[0][0])
        kept_dihedral.append([h for h, _ in dihedral])
        thumbs.append(thumbnail(pixels))
        labels.append(label)
    words = to_words(kept)
    distances = hamming_matrix(words, words)
    upper = np.triu_indices(len(kept), k=1)
    pair_distances = distances[upper]
    # Every matching pair, by (image, image) index, with the variants that matched.
    matched: dict[tuple[int, int], set[str]] = {}
    for a, b in zip(*np.nonzero(np.triu(distances <= PDQ_MATCH_DISTANCE, k=1)), strict=True):
        matched.setdefault((int(a), int(b)), set()).add("original")
    plain_pairs = set(matched)
    # Dihedral matching: each image's plain hash against every other image's 8 hashes.
    dihedral_min = 256
    for variant in range(1, 8):
        variant_words = to_words([d[variant] for d in kept_dihedral])
        cross = hamming_matrix(words, variant_words)
        np.fill_diagonal(cross, 256)
        dihedral_min = min(dihedral_min, int(cross.min()))
        for a, b in zip(*np.nonzero(cross <= PDQ_MATCH_DISTANCE), strict=True):
            pair = (min(int(a), int(b)), max(int(a), int(b)))
            matched.setdefault(pair, set()).add(DIHEDRAL_NAMES[variant])
    # A matching pair whose pixels are the same picture under a flip or rotation is a
    # copy the generator produced (e.g. two corners of a round subject), not two
    # distinct images; only the others are false matches.
    verdicts = {pair: dihedral_copy(thumbs[pair[0]], thumbs[pair[1]]) for pair in matched}
    false_plain = sorted(p for p in plain_pairs if not verdicts[p][0])
    false_dihedral = sorted(p for p in matched if not verdicts[p][0])
    copies = sorted(p for p in matched if verdicts[p][0])
    total = sum(kinds.values())
    lines = [
        f"- distinct images generated: {total} ("
        + ", ".join(f"{k}: {v}" for k, v in kinds.items())
        + ")",
        f"- dropped for quality < {PDQ_MIN_QUALITY}: {sum(dropped.values())} ("
        + (", ".join(f"{k}: {v}" for k, v in dropped.items()) or "none")
        + ")",
        f"- compared: {len(kept)} hashes, {len(pair_distances)} pairs; plain matching "
        "compares plain hashes, dihedral matching compares each image's plain hash with "
        "the other's 8 dihedral hashes",
        f"- pairs within {PDQ_MATCH_DISTANCE} bits: {len(plain_pairs)} plain, "
        f"{len(matched)} with dihedral matching",
        f"- of those, pixel-level copies under a flip or rotation (64x64 grey thumbnails: "
        f"correlation >= {COPY_MIN_CORRELATION} and mean difference <= {COPY_MAX_MEAN_DIFF} "
        f"grey levels after the best of the 8 transforms): {len(copies)}",
        f"- **false matches** (matching pairs that are not copies): **{len(false_plain)}** "
        f"plain, **{len(false_dihedral)}** with dihedral matching",
        f"- closest pair: {int(pair_distances.min())} bits plain, "
        f"{dihedral_min} bits dihedral; 0.1th percentile {np.percentile(pair_distances, 0.1):.0f}, "
        f"median {np.median(pair_distances):.0f}",
    ]
    if matched:
        lines.append(
            "- matching pairs (image / image: variants that matched; correlation, mean "
            "difference; verdict):"
        )
        for pair in sorted(matched, key=lambda p: (labels[p[0]], labels[p[1]])):
            is_copy, corr, diff = verdicts[pair]
            lines.append(
                f"  - {labels[pair[0]]} / {labels[pair[1]]}: "
                f"{', '.join(sorted(matched[pair]))}; {corr:.3f}, {diff:.1f}; "
                f"{'copy' if is_copy else 'FALSE MATCH'}"
            )
    return lines, {
        "plain_false": len(false_plain),
        "dihedral_false": len(false_dihedral),
        "copies": len(copies),
    }


# ---------------------------------------------------------------- speed


def test_jpegs() -> dict[str, bytes]:
    out = {}
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        image = Image.fromarray(rgb(getattr(skimage.data, name)())).resize(
            (1024, 1024), Image.Resampling.BICUBIC
        )
        buffer = io.BytesIO()
        image.save(buffer, "JPEG", quality=90)
        out[name] = buffer.getvalue()
    return out


def _worker_init() -> None:
    shared_image_analysers()


def _worker_run(data: bytes) -> float:
    started = time.perf_counter()
    analyse_image_bytes(data, parallel=False)
    return (time.perf_counter() - started) * 1000.0


def speed(quick: bool) -> tuple[list[str], dict[str, float]]:
    images = test_jpegs()
    started = time.perf_counter()
    shared_image_analysers()
    load_ms = (time.perf_counter() - started) * 1000.0
    for data in images.values():  # warm-up
        analyse_image_bytes(data)
    rounds = 8 if quick else 20
    lines = [f"- model load (once per process): {load_ms:.0f} ms", ""]
    lines.append("| image (1024x1024 JPEG) | mode | p50 wall ms | p90 wall ms | CPU ms | faces |")
    lines.append("|---|---|---|---|---|---|")
    stage_wall: dict[str, list[float]] = {}
    stage_cpu: dict[str, list[float]] = {}
    all_parallel: list[float] = []
    all_sequential: list[float] = []
    all_cpu: list[float] = []
    for name, data in images.items():
        for parallel in (True, False):
            totals, cpu_totals = [], []
            faces = 0
            for _ in range(rounds):
                report = analyse_image_bytes(data, parallel=parallel)
                totals.append(report.timings_ms["total"])
                cpu_totals.append(report.cpu_ms["total"])
                face = report.signal("image.face")
                faces = int(face.attributes["count"]) if face else 0
                if not parallel:
                    for stage, ms in report.timings_ms.items():
                        stage_wall.setdefault(stage, []).append(ms)
                    for stage, ms in report.cpu_ms.items():
                        stage_cpu.setdefault(stage, []).append(ms)
            (all_parallel if parallel else all_sequential).extend(totals)
            all_cpu.extend(cpu_totals)
            mode = "threads" if parallel else "sequential"
            lines.append(
                f"| {name} | {mode} | {statistics.median(totals):.0f} "
                f"| {np.percentile(totals, 90):.0f} | {statistics.median(cpu_totals):.0f} "
                f"| {faces} |"
            )
    lines += ["", "Per stage, sequential mode, median over all four images:", ""]
    lines += ["| stage | wall ms | CPU ms |", "|---|---|---|"]
    for stage, values in stage_wall.items():
        lines.append(
            f"| {stage} | {statistics.median(values):.1f} "
            f"| {statistics.median(stage_cpu.get(stage, [0.0])):.1f} |"
        )

    batch = list(images.values()) * (4 if quick else 12)
    context = mp.get_context("fork")
    with context.Pool(processes=2, initializer=_worker_init) as pool:
        pool.map(_worker_run, list(images.values()) * 2)  # warm the workers
        started = time.perf_counter()
        pool.map(_worker_run, batch, chunksize=2)
        elapsed = time.perf_counter() - started
    throughput = len(batch) / elapsed
    started = time.perf_counter()
    for data in batch[: len(batch) // 2]:
        analyse_image_bytes(data)
    single_process = (len(batch) // 2) / (time.perf_counter() - started)
    cpu_per_image = float(statistics.median(all_cpu))
    lines += [
        "",
        f"- batch, 2 worker processes: **{throughput:.1f} images/s** ({len(batch)} images)",
        f"- batch, 1 process with the stage thread pool: {single_process:.1f} images/s",
        f"- CPU per image (median): {cpu_per_image:.0f} ms, so two idle cores would give "
        f"about {2000.0 / cpu_per_image:.1f} images/s",
    ]
    summary = {
        "p50_threads": float(statistics.median(all_parallel)),
        "p50_sequential": float(statistics.median(all_sequential)),
        "throughput": throughput,
        "cpu_per_image": cpu_per_image,
    }
    return lines, summary


# ---------------------------------------------------------------- age


def age_check() -> tuple[list[str], dict[str, float]]:
    """Apparent age on the only benign faces with known adulthood available offline."""
    from perisai.analysers.image.age import AgeEstimator
    from perisai.analysers.image.faces import DetectedFace, FaceDetector

    detector, estimator = FaceDetector(), AgeEstimator()
    astronaut = rgb(skimage.data.astronaut())
    lines = [
        "| astronaut variant | faces | expected age | error vs 43 | minor_risk |",
        "|---|---|---|---|---|",
    ]
    variants = {
        "original 512 px": astronaut,
        "JPEG q30": np.asarray(_jpeg(Image.fromarray(astronaut), 30)),
        "mirrored": np.ascontiguousarray(astronaut[:, ::-1]),
        "upscaled 1024 px": np.asarray(Image.fromarray(astronaut).resize((1024, 1024))),
        "downscaled 256 px": np.asarray(Image.fromarray(astronaut).resize((256, 256))),
        "brightness -30%": np.asarray(
            ImageEnhance.Brightness(Image.fromarray(astronaut)).enhance(0.7)
        ),
    }
    errors = []
    for name, pixels in variants.items():
        faces = detector.detect(pixels)
        if not faces:
            lines.append(f"| {name} | 0 | - | - | - |")
            continue
        estimate = estimator.estimate(pixels, faces[:1])[0]
        errors.append(estimate.expected_age - 43)
        lines.append(
            f"| {name} | {len(faces)} | {estimate.expected_age:.1f} | "
            f"{estimate.expected_age - 43:+.1f} | {estimate.minor_risk:.3f} |"
        )
    # LFW: 100 faces of adult public figures, 25x25 greyscale; the crop is the face.
    lfw = skimage.data.lfw_subset()[:100]
    ages, risks = [], []
    for face in lfw:
        big = Image.fromarray((face * 255).astype(np.uint8)).resize(
            (200, 200), Image.Resampling.BICUBIC
        )
        pixels = np.ascontiguousarray(np.stack([np.asarray(big)] * 3, axis=-1))
        box = DetectedFace(
            box=(20, 20, 160, 160), score=1.0, confidence=1.0, pose="frontal", upsampled=False
        )
        estimate = estimator.estimate(pixels, [box])[0]
        ages.append(estimate.expected_age)
        risks.append(estimate.minor_risk)
    ages_array, risks_array = np.asarray(ages), np.asarray(risks)
    lines += [
        "",
        f"LFW subset (skimage.data.lfw_subset, 100 adult faces, 25x25 greyscale upscaled to "
        f"200 px, so far below the model's usual input quality): expected age median "
        f"{np.median(ages_array):.0f} (range {ages_array.min():.0f}-{ages_array.max():.0f}); "
        f"read as under 18: {(ages_array < 18).mean():.0%}; minor_risk >= 0.5: "
        f"{(risks_array >= 0.5).mean():.0%}, >= 0.3: {(risks_array >= 0.3).mean():.0%}, "
        f"median minor_risk {np.median(risks_array):.3f}.",
    ]
    summary = {
        "astronaut_mean_error": float(np.mean(errors)) if errors else float("nan"),
        "lfw_false_minor_05": float((risks_array >= 0.5).mean()),
    }
    return lines, summary


# ---------------------------------------------------------------- report


def machine() -> str:
    model = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    load = os.getloadavg()
    return (
        f"- machine: {os.cpu_count()} cores, {model}, Python {platform.python_version()}\n"
        f"- load average at start: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f} "
        "(above about 0.5 means other work shared the 2 cores)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer images and rounds")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--speed-only", action="store_true", help="part 2 only, print only")
    args = parser.parse_args()
    header = machine()
    started = time.perf_counter()
    if args.speed_only:
        print(header)
        print("\n".join(speed(args.quick)[0]))
        return

    photos = benign_photos()
    robust_rows, dropped_originals, robust = robustness(photos)
    false_lines, false_summary = false_matches(args.quick)
    age_lines, _ = age_check()
    speed_lines, speed_summary = speed(args.quick)

    per = robust["per_transform"]
    assert isinstance(per, dict)
    target_lines = [
        "| target | result | met |",
        "|---|---|---|",
        f"| 0 false matches among distinct images | {false_summary['plain_false']} plain, "
        f"{false_summary['dihedral_false']} dihedral "
        f"({false_summary['copies']} flipped/rotated copies set apart, see 1b) | "
        f"plain {'yes' if false_summary['plain_false'] == 0 else 'no'}, dihedral "
        f"{'yes' if false_summary['dihedral_false'] == 0 else 'no (see 1b)'} |",
        f"| p50 <= 150 ms per 1024x1024 JPEG (threads) | {speed_summary['p50_threads']:.0f} ms "
        f"wall ({speed_summary['cpu_per_image']:.0f} ms CPU) | "
        f"{'yes' if speed_summary['p50_threads'] <= 150 else 'no'} |",
        f"| >= 10 images/s batch (2 processes) | {speed_summary['throughput']:.1f} | "
        f"{'yes' if speed_summary['throughput'] >= 10 else 'no'} |",
    ]
    doc = "\n".join(
        [
            "# Image benchmark",
            "",
            f"- date: {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}",
            f"- command: `.venv/bin/python bench/image.py{' --quick' if args.quick else ''}`",
            header,
            f"- run time: {time.perf_counter() - started:.0f} s",
            "",
            "## Targets",
            "",
            *target_lines,
            "",
            "Wall-clock figures here were taken on 2 cores shared with other busy processes "
            f"(load average {os.getloadavg()[0]:.1f} at the end), so each run got a fraction "
            "of a core. CPU time per stage (thread CPU time, which the models' single-threaded "
            "inference makes a fair measure) is what the same work costs on an idle machine: "
            f"{speed_summary['cpu_per_image']:.0f} ms per image, which is "
            f"{'within' if speed_summary['cpu_per_image'] <= 150 else 'above'} the 150 ms "
            f"latency target and projects to about {2000.0 / speed_summary['cpu_per_image']:.0f} "
            "images/s on two idle cores. That projection was not observed here in wall-clock "
            "time; rerun this script on an idle machine to confirm it.",
            "",
            "## 1. PDQ robustness on benign photos",
            "",
            f"{robust['originals']} originals ({len(SKIMAGE_PHOTOS)} skimage.data photos and the "
            "PDQ reference photos that are not transforms of each other); a copy is recalled "
            f"when its PDQ is within {PDQ_MATCH_DISTANCE} bits of the original's "
            "(plain) or of any of the original's 8 dihedral hashes (dihedral). Copies with "
            f"quality < {PDQ_MIN_QUALITY} are dropped and count as misses.",
            "",
            "Originals dropped for quality < 50: "
            + (", ".join(dropped_originals) if dropped_originals else "none"),
            "",
            "PDQ is a global hash of a 64x64 luminance thumbnail: a crop shifts and rescales "
            "that thumbnail and a rotation skews it, so crops beyond ~2% and rotations beyond "
            "~1 degree push most copies past 31 bits. This is a property of PDQ itself (the "
            "reference photos behave like the skimage ones), not of our decoding; texture-like "
            "images (brick, gravel, page, 256-px scenes) are the most fragile.",
            "",
            "| transform | originals | recall plain | recall dihedral | median distance | "
            "max distance | copies dropped (quality) |",
            "|---|---|---|---|---|---|---|",
            *robust_rows,
            "",
            "## 1b. False matches among distinct benign images",
            "",
            *false_lines,
            "",
            "## 2. Apparent age on benign adult faces",
            "",
            "Eileen Collins (skimage `astronaut`, NASA portrait of about 1999, born 1956, so "
            "about 43). No labelled child faces are available offline, so only the adult "
            "side of the error (false minor risk) can be measured here.",
            "",
            *age_lines,
            "",
            "## 3. Whole-image analysis speed",
            "",
            "Decode, PDQ (8 dihedral hashes) + MD5 + SHA-256, open_nsfw, face detection, "
            "photo statistics and age, via `analyse_image_bytes`. 'threads' overlaps the "
            "stages on a small thread pool (the default); 'sequential' runs them one after "
            "another.",
            "",
            *speed_lines,
            "",
        ]
    )
    print(doc)
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(doc)
        print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
