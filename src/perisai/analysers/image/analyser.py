"""Image analysers and the one-call image pipeline.

Two analysers ship by default, each loading its models once in ``__init__``:

* :class:`~perisai.analysers.image.nudity.NudityAnalyser` -> ``image.nudity``
* :class:`PeopleAnalyser` -> ``image.face``, ``image.real_person_photo`` and
  ``image.minor_risk``. One analyser produces all three because they share the
  face detection, the most expensive step.

A third, :class:`~perisai.analysers.image.nudity.ExposedPartsAnalyser`
(``image.exposed_parts``), is added only when the optional AGPL ``nudenet``
package is installed.

:func:`analyse_image_bytes` is the convenient single call for the gate and
the CLI: decode once, hash, run every analyser over the sampled frames, and
report per-stage timings.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar, get_args

from perisai.analysers.image.age import AgeEstimate, AgeEstimator
from perisai.analysers.image.decode import (
    DEFAULT_LIMITS,
    DecodeLimits,
    ImageError,
    decode_image,
)
from perisai.analysers.image.faces import DetectedFace, FaceDetector, photo_statistics
from perisai.analysers.image.hashes import ImageHashes, hash_pixels
from perisai.analysers.image.nudity import (
    ExposedPartsAnalyser,
    NudityAnalyser,
    nudenet_available,
)
from perisai.signals.base import Analyser, Evidence, ImageRole, ImageSubject, Signal, Subject

_T = TypeVar("_T")


class PeopleAnalyser(Analyser):
    """Faces, whether the image is a photograph of a real person, and minor risk."""

    name: ClassVar[str] = "image.people"
    subject_type: ClassVar[type[ImageSubject]] = ImageSubject
    produces: ClassVar[tuple[str, ...]] = (
        "image.face",
        "image.real_person_photo",
        "image.minor_risk",
    )

    def __init__(
        self, detector: FaceDetector | None = None, ages: AgeEstimator | None = None
    ) -> None:
        self.detector = detector or FaceDetector()
        self.ages = ages or AgeEstimator()

    def analyse(self, subject: Subject) -> Sequence[Signal]:
        if not isinstance(subject, ImageSubject):
            raise TypeError(f"expected an ImageSubject, got {type(subject).__name__}")
        pixels = subject.pixels
        faces = self.detector.detect(pixels)
        if not faces:
            return []
        ages = self.ages.estimate(pixels, faces)
        photo = photo_statistics(pixels)
        return [
            self._face_signal(faces, subject.source),
            self._real_person_signal(faces, photo.likelihood, photo.to_dict(), subject.source),
            self._minor_signal(ages, subject.source),
        ]

    def _face_signal(self, faces: list[DetectedFace], source: str) -> Signal:
        best = faces[0]
        return Signal(
            name="image.face",
            score=best.confidence,
            analyser=self.name,
            explanation=f"{len(faces)} face(s) detected; the clearest is {best.size} px wide",
            source=source,
            evidence=tuple(
                Evidence(detail=f"face ({f.pose}, confidence {f.confidence:.2f})", box=f.box)
                for f in faces
            ),
            attributes={
                "count": len(faces),
                "boxes": [list(f.box) for f in faces],
                "faces": [f.to_dict() for f in faces],
            },
        )

    def _real_person_signal(
        self,
        faces: list[DetectedFace],
        photo_likelihood: float,
        photo_details: dict[str, float],
        source: str,
    ) -> Signal:
        score = faces[0].confidence * photo_likelihood
        kind = "a photograph" if photo_likelihood >= 0.5 else "a drawing or render"
        return Signal(
            name="image.real_person_photo",
            score=score,
            analyser=self.name,
            explanation=f"a face in what looks like {kind} (photo likelihood {photo_likelihood:.2f})",
            source=source,
            evidence=(Evidence(detail="clearest face", box=faces[0].box),),
            attributes=photo_details,
        )

    def _minor_signal(self, ages: list[AgeEstimate], source: str) -> Signal:
        riskiest = max(ages, key=lambda a: a.minor_risk)
        return Signal(
            name="image.minor_risk",
            score=riskiest.minor_risk,
            analyser=self.name,
            explanation=(
                f"apparent age of the youngest-looking face is about {riskiest.expected_age:.0f}; "
                f"chance it is under 18 (widened for model noise) {riskiest.minor_risk:.0%}"
            ),
            source=source,
            evidence=tuple(
                Evidence(
                    detail=f"apparent age {a.expected_age:.0f}, minor risk {a.minor_risk:.2f}",
                    box=a.box,
                )
                for a in sorted(ages, key=lambda a: -a.minor_risk)
            ),
            attributes={"faces": [a.to_dict() for a in ages]},
        )


def default_image_analysers() -> list[Analyser]:
    """The bundled image analysers; NudeNet's only when it is installed."""
    analysers: list[Analyser] = [NudityAnalyser(), PeopleAnalyser()]
    if nudenet_available():
        analysers.append(ExposedPartsAnalyser())
    return analysers


_shared_lock = threading.Lock()
_shared_analysers: list[Analyser] | None = None


def shared_image_analysers() -> list[Analyser]:
    """One process-wide set of :func:`default_image_analysers`, built on first use."""
    global _shared_analysers
    with _shared_lock:
        if _shared_analysers is None:
            _shared_analysers = default_image_analysers()
        return _shared_analysers


@dataclass(frozen=True, slots=True)
class ImageReport:
    """Everything the image pipeline learnt about one image."""

    source: str
    role: ImageRole
    format: str
    width: int
    height: int
    frame_count: int
    frames_analysed: int
    hashes: ImageHashes
    signals: tuple[Signal, ...]
    #: Wall-clock milliseconds per stage ("total" is the whole call).
    timings_ms: dict[str, float] = field(default_factory=dict)
    #: CPU milliseconds per stage ("total" is their sum): the cost on an idle machine.
    cpu_ms: dict[str, float] = field(default_factory=dict)

    def signal(self, name: str) -> Signal | None:
        return next((s for s in self.signals if s.name == name), None)

    def score(self, name: str) -> float:
        found = self.signal(name)
        return float(found.score) if found else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "role": self.role,
            "format": self.format,
            "width": self.width,
            "height": self.height,
            "frame_count": self.frame_count,
            "frames_analysed": self.frames_analysed,
            "hashes": self.hashes.to_dict(),
            "signals": [s.to_dict() for s in self.signals],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "cpu_ms": {k: round(v, 2) for k, v in self.cpu_ms.items()},
        }


def analyse_image_bytes(
    data: bytes,
    role: ImageRole = "input",
    source: str = "image[0]",
    analysers: Sequence[Analyser] | None = None,
    limits: DecodeLimits = DEFAULT_LIMITS,
    parallel: bool = True,
) -> ImageReport:
    """Decode ``data`` once, hash it and run every image analyser on it.

    Animated images are analysed frame by frame over the decoder's bounded
    sample; for each signal name the highest-scoring frame's signal is kept.
    Hashes are of the first frame at full resolution. With ``parallel`` the
    hash and the analysers run on a small shared thread pool. Raises
    :class:`~perisai.analysers.image.decode.ImageError` for unacceptable
    input (including an unknown ``role``).
    """
    if role not in get_args(ImageRole):
        raise ImageError(
            "invalid_input", f"unknown image role {role!r}; expected one of {get_args(ImageRole)}"
        )
    timings: dict[str, float] = {}
    cpu: dict[str, float] = {}
    wall_started = time.perf_counter()
    decoded, timings["decode"], cpu["decode"] = _timed(lambda: decode_image(data, limits))
    original = bytes(data)

    subjects: list[Subject] = [
        ImageSubject(pixels=frame, role=role, source=source, original_bytes=original)
        for frame in decoded.frames
    ]
    chosen = list(analysers) if analysers is not None else shared_image_analysers()

    def hash_stage() -> ImageHashes:
        return hash_pixels(decoded.pixels, original)

    def analyser_stage(analyser: Analyser) -> Callable[[], list[list[Signal]]]:
        accepted = [s for s in subjects if analyser.accepts(s)]
        return lambda: analyser.analyse_batch(accepted) if accepted else []

    # dlib, onnxruntime and the hashers release the GIL for most of their work,
    # so on two cores the stages overlap; each stage's own time is reported.
    stages: dict[str, Callable[[], Any]] = {"hash": hash_stage}
    stages.update({a.name: analyser_stage(a) for a in chosen})
    results: dict[str, Any] = {}
    if parallel and len(stages) > 1:
        pool = _stage_pool()
        futures: dict[str, Future[tuple[Any, float, float]]] = {
            name: pool.submit(_timed, stage) for name, stage in stages.items()
        }
        for name, future in futures.items():
            results[name], timings[name], cpu[name] = future.result()
    else:
        for name, stage in stages.items():
            results[name], timings[name], cpu[name] = _timed(stage)

    best: dict[str, Signal] = {}
    for analyser in chosen:
        for found in results[analyser.name]:
            for signal in found:
                current = best.get(signal.name)
                if current is None or signal.score > current.score:
                    best[signal.name] = signal
    hashes: ImageHashes = results["hash"]
    timings["total"] = _since(wall_started)
    cpu["total"] = sum(cpu.values())
    return ImageReport(
        source=source,
        role=role,
        format=decoded.format,
        width=decoded.width,
        height=decoded.height,
        frame_count=decoded.frame_count,
        frames_analysed=len(subjects),
        hashes=hashes,
        signals=tuple(best.values()),
        timings_ms=timings,
        cpu_ms=cpu,
    )


_pool_lock = threading.Lock()
_pool: ThreadPoolExecutor | None = None


def _stage_pool() -> ThreadPoolExecutor:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="perisai-image")
        return _pool


def _timed(stage: Callable[[], _T]) -> tuple[_T, float, float]:
    """Run ``stage``; return its result, wall milliseconds and CPU milliseconds.

    CPU time is this thread's (the models run single-threaded in the caller's
    thread), so it measures the stage's cost even when the machine is shared.
    """
    started, cpu_started = time.perf_counter(), time.thread_time()
    result = stage()
    return result, _since(started), (time.thread_time() - cpu_started) * 1000.0


def _since(started: float) -> float:
    return (time.perf_counter() - started) * 1000.0
