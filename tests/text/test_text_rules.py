"""Rule features that say which way a clothing change goes (no model needed)."""

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
