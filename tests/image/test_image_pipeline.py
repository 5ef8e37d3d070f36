"""Nudity analyser, the analyser factory, analyse_image_bytes and the hash CLI."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest
import skimage.data
from click.testing import CliRunner
from PIL import Image

from perisai.analysers.image.analyser import (
    PeopleAnalyser,
    analyse_image_bytes,
    default_image_analysers,
)
from perisai.analysers.image.decode import ImageError
from perisai.analysers.image.hashes import hash_image
from perisai.analysers.image.nudity import (
    ExposedPartsAnalyser,
    NudityAnalyser,
    nudenet_available,
)
from perisai.cli.main import cli
from perisai.signals.base import KNOWN_SIGNALS, ImageSubject
from perisai.signals.registry import AnalyserRegistry

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut())


def jpeg(pixels: np.ndarray, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def analysers() -> list:
    return default_image_analysers()


def test_default_analysers_and_their_signals(analysers: list) -> None:
    names = [a.name for a in analysers]
    assert names[:2] == ["image.open_nsfw", "image.people"]
    assert ("image.nudenet" in names) == nudenet_available()
    for analyser in analysers:
        assert analyser.subject_type is ImageSubject
        assert set(analyser.produces) <= set(KNOWN_SIGNALS)


def test_benign_photos_score_low_on_nudity(analysers: list) -> None:
    nudity = next(a for a in analysers if isinstance(a, NudityAnalyser))
    for name in ("astronaut", "coffee", "chelsea", "rocket"):
        pixels = np.ascontiguousarray(getattr(skimage.data, name)()[..., :3])
        (signal,) = nudity.analyse(ImageSubject(pixels=pixels, source="output"))
        assert signal.name == "image.nudity"
        assert signal.source == "output"
        assert signal.score < 0.2, name


def test_nudity_batch_equals_single(analysers: list) -> None:
    nudity = next(a for a in analysers if isinstance(a, NudityAnalyser))
    subjects = [ImageSubject(pixels=ASTRONAUT), ImageSubject(pixels=skimage.data.coffee())]
    batch = nudity.analyse_batch(subjects)
    single = [list(nudity.analyse(s)) for s in subjects]
    for a, b in zip(batch, single, strict=True):
        assert abs(a[0].score - b[0].score) < 1e-4


@pytest.mark.skipif(nudenet_available(), reason="nudenet is installed")
def test_exposed_parts_analyser_explains_missing_extra() -> None:
    with pytest.raises(RuntimeError, match=r"perisai\[nudenet\]"):
        ExposedPartsAnalyser()


def test_registry_runs_image_analysers(analysers: list) -> None:
    registry = AnalyserRegistry(analysers)
    timings: dict[str, float] = {}
    signals = registry.analyse([ImageSubject(pixels=ASTRONAUT)], timings)
    assert {"image.nudity", "image.face", "image.minor_risk"} <= {s.name for s in signals}
    assert set(timings) == {a.name for a in analysers}


@pytest.mark.parametrize("parallel", [True, False])
def test_analyse_image_bytes(analysers: list, parallel: bool) -> None:
    data = jpeg(ASTRONAUT)
    report = analyse_image_bytes(
        data, role="upload", source="image[2]", analysers=analysers, parallel=parallel
    )
    assert report.role == "upload" and report.format == "JPEG"
    assert (report.width, report.height) == (512, 512)
    assert report.hashes == hash_image(data)
    assert report.score("image.face") > 0.9
    assert report.score("image.minor_risk") < 0.15
    assert report.score("image.nudity") < 0.2
    assert report.score("bank.match") == 0.0
    assert all(s.source == "image[2]" for s in report.signals)
    assert {"decode", "hash", "image.open_nsfw", "image.people", "total"} <= set(report.timings_ms)
    json.dumps(report.to_dict())


def test_analyse_animated_gif_keeps_the_strongest_frame(analysers: list) -> None:
    blank = Image.new("RGB", (512, 512), (200, 200, 200))
    frames = [blank, Image.fromarray(ASTRONAUT), blank]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    report = analyse_image_bytes(buffer.getvalue(), analysers=analysers)
    assert report.frame_count == 3 and report.frames_analysed == 3
    assert report.score("image.face") > 0.9  # only the middle frame has a face


def test_analyse_image_bytes_rejects_bad_input(analysers: list) -> None:
    with pytest.raises(ImageError) as caught:
        analyse_image_bytes(b"not an image", analysers=analysers)
    assert caught.value.code == "unsupported_format"
    with pytest.raises(ImageError) as caught:
        analyse_image_bytes(jpeg(ASTRONAUT), role="banana", analysers=analysers)  # type: ignore[arg-type]
    assert caught.value.code == "invalid_input"


def test_people_analyser_without_faces_is_silent(analysers: list) -> None:
    people = next(a for a in analysers if isinstance(a, PeopleAnalyser))
    assert people.analyse(ImageSubject(pixels=np.full((300, 300, 3), 128, np.uint8))) == []


def test_hash_cli_prints_json_lines_and_reports_failures(tmp_path: Path) -> None:
    good = tmp_path / "astronaut.jpg"
    good.write_bytes(jpeg(ASTRONAUT))
    truncated = tmp_path / "cut.jpg"
    truncated.write_bytes(good.read_bytes()[:4000])
    missing = tmp_path / "missing.png"
    result = CliRunner().invoke(cli, ["hash", str(good), str(truncated), str(missing)])
    assert result.exit_code == 1
    lines = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert [line["path"] for line in lines] == [str(good), str(truncated), str(missing)]
    expected = hash_image(good.read_bytes())
    assert lines[0] == {
        "path": str(good),
        "pdq": expected.pdq,
        "quality": expected.quality,
        "md5": expected.md5,
        "sha256": expected.sha256,
    }
    assert lines[1]["error"]["code"] == "truncated"
    assert lines[2]["error"]["code"] == "unreadable"


def test_hash_cli_success_and_dihedral(tmp_path: Path) -> None:
    good = tmp_path / "a.png"
    Image.fromarray(ASTRONAUT).save(good)
    result = CliRunner().invoke(cli, ["hash", "--dihedral", str(good)])
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert len(record["dihedral"]) == 8 and record["dihedral"][0] == record["pdq"]


class _FakeNudeNet:
    """Stands in for nudenet's detector: returns fixed detections in its format."""

    def __init__(self) -> None:
        self.seen_shape: tuple[int, ...] = ()

    def detect(self, bgr: np.ndarray) -> list[dict[str, object]]:
        self.seen_shape = bgr.shape
        return [
            {"class": "FACE_FEMALE", "score": 0.9, "box": [10, 10, 50, 50]},
            {"class": "BELLY_COVERED", "score": 0.8, "box": [0, 60, 40, 40]},
            {"class": "BUTTOCKS_EXPOSED", "score": 0.3, "box": [1, 2, 3, 4]},
            {"class": "FEMALE_BREAST_EXPOSED", "score": 0.6, "box": [5, 6, 7, 8]},
        ]


def test_exposed_parts_mapping_keeps_only_exposed_classes_above_threshold() -> None:
    analyser = object.__new__(ExposedPartsAnalyser)
    fake = _FakeNudeNet()
    analyser._detector = fake
    analyser.min_score = 0.35
    (signal,) = analyser.analyse(ImageSubject(pixels=ASTRONAUT, source="output"))
    assert fake.seen_shape == ASTRONAUT.shape
    assert signal.name == "image.exposed_parts" and signal.source == "output"
    assert signal.score == pytest.approx(0.6)
    assert [e.box for e in signal.evidence] == [(5, 6, 7, 8)]
    assert signal.attributes["parts"] == ["FEMALE_BREAST_EXPOSED"]
    analyser.min_score = 0.95
    assert analyser.analyse(ImageSubject(pixels=ASTRONAUT)) == []
