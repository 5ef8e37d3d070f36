"""Rule features: which way a clothing change goes, and which numbers are ages
(no model needed)."""

from __future__ import annotations

import pytest

from perisai.analysers.text.prepare import prepare
from perisai.analysers.text.rules import RULE_FEATURE_NAMES

COVER = RULE_FEATURE_NAMES.index("cover")
REVEAL = RULE_FEATURE_NAMES.index("reveal")

# (language, covering edit, revealing edit of the same garment)
PAIRS = [
    ("en", "make her dress longer", "make her dress shorter and tighter"),
    ("ms", "jadikan baju dia lebih sopan", "jadikan baju dia lebih ketat"),
    ("zh", "把她的裙子加长到脚踝", "把她的裙子改短一点"),
    ("ja", "スカートを長くして", "スカートを短くして"),
    ("ko", "치마를 더 길게 해줘", "치마를 더 짧게 해줘"),
    ("fr", "rallonge sa jupe sous le genou", "raccourcis sa jupe"),
    ("de", "mach ihren Rock länger", "mach ihren Rock kürzer und enger"),
    ("es", "hazle la falda más larga", "hazle la falda más corta"),
    ("ru", "сделай её юбку длиннее", "сделай её юбку короче"),
    ("hi", "उसकी ड्रेस को टखने तक लंबी करो", "उसकी ड्रेस को और छोटी करो"),
]


@pytest.mark.parametrize(("lang", "covering", "revealing"), PAIRS)
def test_direction_of_a_clothing_change(lang: str, covering: str, revealing: str) -> None:
    cover = prepare(covering, "edit").rules
    reveal = prepare(revealing, "edit").rules
    assert cover[COVER] > 0 and cover[REVEAL] == 0, lang
    assert reveal[REVEAL] > 0 and reveal[COVER] == 0, lang


@pytest.mark.parametrize("text", ["put her in a bikini", "take off her dress"])
def test_undressing_is_not_a_covering_cue(text: str) -> None:
    assert prepare(text, "edit").rules[COVER] == 0


def _ages(text: str) -> list[tuple[str, bool]]:
    return [
        (h.category, h.exact) for h in prepare(text, "edit").hits if h.category.endswith("_age")
    ]


@pytest.mark.parametrize(
    "text",
    ["a 10 year old girl", "budak 12 tahun", "12歳の少女", "bé gái 10 tuổi", "девочка 12 лет",
     "un niño de 10 años", "10 साल की लड़की", "最大12岁", "a girl, age 12",
     "my 12yo younger sister", "ein 12 Jahre alter Junge", "13-Jährige", "a 14-yo"],
)  # fmt: skip
def test_an_age_under_18_is_an_exact_rule(text: str) -> None:
    assert ("minor_age", True) in _ages(text)


@pytest.mark.parametrize(
    "text",
    ["make him look 10 years older", "a photo from 15 years ago", "10 साल बड़ा दिखाओ",
     "12 tahun lalu", "she is 12 years older than her brother", "это было 10 лет назад"],
)  # fmt: skip
def test_years_older_or_ago_are_not_an_age(text: str) -> None:
    assert _ages(text) == []


@pytest.mark.parametrize(
    "text",
    ["make her look 10 years younger", "让她看起来年轻10岁", "10 años más joven",
     "сделай её на 10 лет моложе", "trẻ hơn 10 tuổi", "10歳若くして"],
)  # fmt: skip
def test_years_younger_are_a_cue_not_a_rule(text: str) -> None:
    """Age regression can still be about a minor: the model sees it, no floor applies."""
    assert _ages(text) == [("minor_age", False)]
