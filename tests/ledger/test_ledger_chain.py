"""Canonical JSON and the entry hash."""

from __future__ import annotations

import hashlib
import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from perisai.ledger.chain import (
    GENESIS_HASH,
    CanonicalJSONError,
    canonical_json,
    entry_hash,
    parse_canonical,
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(alphabet=st.characters(exclude_categories=["Cs"])),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(
            st.text(alphabet=st.characters(exclude_categories=["Cs"])), children, max_size=5
        )
    ),
    max_leaves=30,
)


def test_canonical_form_is_sorted_compact_utf8() -> None:
    assert canonical_json({"b": 1, "a": [1.5, None, True], "é": "日本"}) == (
        '{"a":[1.5,null,true],"b":1,"é":"日本"}'
    )


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_canonical_rejects_non_finite_numbers(bad: float) -> None:
    with pytest.raises(CanonicalJSONError, match=r"\$\.x\[1\]"):
        canonical_json({"x": [0, bad]})


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({1: "a"}, "keys must be strings"),
        ({"a": {1, 2}}, "set is not a JSON type"),
        ({"a": b"bytes"}, "bytes is not a JSON type"),
        ({"a": "\ud800"}, "not valid Unicode"),
        ({"\udfff": 1}, "not valid Unicode"),
    ],
)
def test_canonical_rejects_non_json_with_a_clear_message(value: object, message: str) -> None:
    with pytest.raises(CanonicalJSONError, match=message):
        canonical_json(value)


def test_canonical_rejects_absurd_nesting() -> None:
    deep: object = 1
    for _ in range(100):
        deep = [deep]
    with pytest.raises(CanonicalJSONError, match="nested deeper"):
        canonical_json(deep)


@given(json_values)
def test_canonical_round_trips(value: object) -> None:
    text = canonical_json(value)
    assert canonical_json(json.loads(text)) == text
    assert canonical_json(parse_canonical(text)) == text


@given(st.text(max_size=200))
def test_parse_canonical_answers_garbage_with_value_error(text: str) -> None:
    try:
        value = parse_canonical(text)
    except ValueError as exc:  # JSONDecodeError and CanonicalJSONError are ValueErrors
        assert str(exc)
    else:
        assert canonical_json(value) == canonical_json(parse_canonical(canonical_json(value)))


def test_parse_rejects_duplicate_keys_and_nan() -> None:
    with pytest.raises(CanonicalJSONError, match="duplicate key 'a'"):
        parse_canonical('{"a":1,"a":2}')
    with pytest.raises(CanonicalJSONError, match="NaN"):
        parse_canonical('{"a":NaN}')


BASE: dict[str, Any] = dict(
    seq=7,
    created_at="2026-01-05T09:14:03.120391Z",
    kind="decision",
    subject_id="dec_1",
    payload='{"a":1}',
    prev_hash=GENESIS_HASH,
)


def test_entry_hash_follows_the_documented_encoding() -> None:
    def field(data: bytes) -> bytes:
        return len(data).to_bytes(8, "big") + data

    data = (
        b"perisai.ledger.entry.v1\n"
        + field(b"7")
        + field(b"2026-01-05T09:14:03.120391Z")
        + field(b"decision")
        + b"\x01"
        + field(b"dec_1")
        + field(b'{"a":1}')
        + field(GENESIS_HASH.encode())
    )
    assert entry_hash(**BASE) == hashlib.sha256(data).hexdigest()
    # Pinned: changing the encoding would orphan every existing ledger.
    assert entry_hash(**BASE) == "622c5261485dca96422850976a6d6c1682d7bcb981e0ca71a6f8001f2b0f0e50"


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 8},
        {"created_at": "2026-01-05T09:14:03.120392Z"},
        {"kind": "decisioN"},
        {"subject_id": None},
        {"subject_id": ""},
        {"payload": '{"a":2}'},
        {"prev_hash": "1" + GENESIS_HASH[1:]},
    ],
)
def test_every_field_changes_the_hash(change: dict[str, Any]) -> None:
    assert entry_hash(**{**BASE, **change}) != entry_hash(**BASE)


def test_field_boundaries_are_unambiguous() -> None:
    a = entry_hash(**{**BASE, "kind": "ab", "subject_id": "c"})
    b = entry_hash(**{**BASE, "kind": "a", "subject_id": "bc"})
    assert a != b
