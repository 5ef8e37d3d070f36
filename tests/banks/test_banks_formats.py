"""Importers: every format loads good rows, reports bad ones by line with a
reason, and never raises on hostile input."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perisai.banks import formats
from perisai.banks.formats import HashEntry, parse
from perisai.banks.signals import (
    InvalidSignal,
    Md5Signal,
    PdqSignal,
    UnknownSignalType,
    get_signal_type,
    register,
)

PDQ = PdqSignal.examples()
MD5 = Md5Signal.examples()


def test_signal_validation() -> None:
    assert PdqSignal.validate("  " + PDQ[0].upper() + "\n") == PDQ[0]
    assert Md5Signal.validate(MD5[0].upper()) == MD5[0]
    for bad in ("", "0" * 63, "0" * 65, "g" * 64, PDQ[0][:-1] + " ", "0x" + "0" * 62):
        with pytest.raises(InvalidSignal, match="64 hexadecimal"):
            PdqSignal.validate(bad)
    with pytest.raises(InvalidSignal, match="must be a string"):
        PdqSignal.validate(123)  # type: ignore[arg-type]
    with pytest.raises(InvalidSignal, match="32 hexadecimal"):
        Md5Signal.validate(PDQ[0])
    assert PdqSignal.compare(PDQ[0], PDQ[1]).match
    assert PdqSignal.compare(PDQ[0], PDQ[1]).distance == 2
    assert not PdqSignal.compare(PDQ[0], PDQ[2]).match
    assert Md5Signal.compare(MD5[0], MD5[0]) == Md5Signal.compare(MD5[1], MD5[1])


def test_registry_names_and_aliases() -> None:
    assert get_signal_type("PDQ") is PdqSignal
    assert get_signal_type("video_md5") is Md5Signal
    assert get_signal_type("ImagePDQ") is PdqSignal
    with pytest.raises(UnknownSignalType, match="known: md5, pdq"):
        get_signal_type("tmk")

    class Clash(Md5Signal):
        name = "sha1"
        aliases = ("pdq",)

    with pytest.raises(ValueError, match="already used by pdq"):
        register(Clash)


def test_threatexchange_lines() -> None:
    text = (
        f"# comment\n\npdq {PDQ[0]}\nvideo_md5 {MD5[0]}\n"
        f"pdq {PDQ[1]} extra\nsha1 abc\npdq 1234\n{PDQ[2]}\n"
    )
    out = parse(text, "threatexchange")
    assert [(e.signal_type, e.value, e.line) for e in out.entries] == [
        ("pdq", PDQ[0], 3),
        ("md5", MD5[0], 4),
    ]
    assert [e.line for e in out.errors] == [5, 6, 7, 8]
    assert "3 fields" in out.errors[0].reason
    assert "unknown signal type 'sha1'" in out.errors[1].reason
    assert "64 hexadecimal" in out.errors[2].reason
    bare = parse(f"{PDQ[2]}\n", "threatexchange", default_signal_type="pdq")
    assert bare.entries[0].value == PDQ[2] and not bare.errors


def test_threatexchange_round_trip() -> None:
    entries = [HashEntry("pdq", PDQ[0]), HashEntry("md5", MD5[1])]
    text = formats.format_threatexchange(entries)
    assert text == f"pdq {PDQ[0]}\nvideo_md5 {MD5[1]}\n"
    assert [(e.signal_type, e.value) for e in parse(text, "auto").entries] == [
        ("pdq", PDQ[0]),
        ("md5", MD5[1]),
    ]


def stopncii_record(value: str, status: str = "Active", kind: str = "ImagePDQ") -> dict:
    return {
        "lastModtimestamp": 1767600000,
        "signalType": kind,
        "hashValue": value,
        "hashStatus": status,
        "caseNumbers": {"CASE-1": status, "CASE-2": status},
        "CSPFeedbacks": [],
    }


def test_stopncii_response_with_line_numbers() -> None:
    response = {
        "count": 5,
        "nextPageToken": "x",
        "nextSetTimestamp": 1,
        "hasMoreRecords": False,
        "hashRecords": [
            stopncii_record(PDQ[0]),
            stopncii_record(PDQ[1], "Withdrawn"),
            stopncii_record(MD5[0], "Deleted", "VideoMD5"),
            stopncii_record("nothex"),
            stopncii_record(PDQ[2], "Received", "VideoTMK"),
            stopncii_record(PDQ[3], "Unknown"),
            "not an object",
        ],
    }
    text = json.dumps(response, indent=2)
    out = parse(text, "auto")
    assert [(e.value, e.status) for e in out.entries] == [
        (PDQ[0], "active"),
        (PDQ[1], "withdrawn"),
        (MD5[0], "deleted"),
    ]
    assert out.entries[0].case_numbers == ("CASE-1", "CASE-2")
    lines = text.split("\n")
    for error in out.errors:
        assert error.line is not None and lines[error.line - 1].strip() in ("{", '"not an object"')
    reasons = " | ".join(e.reason for e in out.errors)
    assert "64 hexadecimal" in reasons
    assert "'VideoTMK' is not supported" in reasons
    assert "hashStatus 'Unknown'" in reasons
    assert "must be a JSON object" in reasons


def test_stopncii_array_and_json_lines() -> None:
    array = json.dumps([stopncii_record(PDQ[0]), stopncii_record(PDQ[1])])
    assert len(parse(array, "stopncii").entries) == 2
    lines = "\n".join(
        [json.dumps(stopncii_record(PDQ[0])), "{broken", json.dumps(stopncii_record(PDQ[1]))]
    )
    out = parse(lines, "stopncii")
    assert len(out.entries) == 2
    assert [(e.line, e.reason.split(":")[0]) for e in out.errors] == [(2, "malformed JSON")]
    truncated = parse(array[:-30], "stopncii")
    assert len(truncated.entries) == 1 and truncated.errors


def test_stopncii_export_round_trip() -> None:
    from datetime import UTC, datetime

    entries = [(HashEntry("pdq", PDQ[0], case_numbers=("C1",)), datetime(2026, 1, 1, tzinfo=UTC))]
    text = formats.format_stopncii(entries)
    back = parse(text, "stopncii").entries
    assert back[0].value == PDQ[0] and back[0].case_numbers == ("C1",)
    assert json.loads(text)["hashRecords"][0]["signalType"] == "ImagePDQ"


def test_csv() -> None:
    text = (
        "signal_type,value,external_id,case_numbers,quality\n"
        f"pdq,{PDQ[0]},ext-1,A;B,90\n"
        f"pdq,{PDQ[1]},ext-2,,30x\n"
        f"md5,{MD5[0]}\n"
        f'pdq,"{PDQ[2]}","multi\nline",,\n'
        f"pdq,{PDQ[3]},,,101\n"
    )
    out = parse(text, "auto")
    assert [(e.value, e.external_id, e.case_numbers, e.quality) for e in out.entries] == [
        (PDQ[0], "ext-1", ("A", "B"), 90),
    ]
    assert [e.line for e in out.errors] == [3, 4, 6, 7]
    assert "quality must be an integer" in out.errors[0].reason
    assert "expected 5 fields, got 2" in out.errors[1].reason
    assert "control characters" in out.errors[2].reason
    bad_header = parse("value,colour\nx,y\n", "csv")
    assert (
        bad_header.errors[0].line == 1
        and "missing column(s) signal_type" in bad_header.errors[0].reason
    )


def test_csv_round_trip() -> None:
    entries = [HashEntry("pdq", PDQ[0], "e,1", ("C1", "C2"), 77), HashEntry("md5", MD5[0])]
    back = parse(formats.format_csv(entries), "csv")
    assert not back.errors
    assert [(e.value, e.external_id, e.case_numbers, e.quality) for e in back.entries] == [
        (PDQ[0], "e,1", ("C1", "C2"), 77),
        (MD5[0], None, (), None),
    ]


def test_nul_bytes_and_unknown_format() -> None:
    out = parse("signal_type,value\npdq,\x00\n", "csv")
    assert out.errors and not out.entries
    with pytest.raises(ValueError, match="unknown format"):
        parse("", "xml")


def _check_parsed(out: formats.Parsed) -> None:
    for entry in out.entries:
        assert get_signal_type(entry.signal_type).validate(entry.value) == entry.value
    for error in out.errors:
        assert isinstance(error.reason, str) and error.reason


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=70),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=5)
    ),
    max_leaves=12,
)
record_like = st.fixed_dictionaries(
    {},
    optional={
        "signalType": st.sampled_from(["ImagePDQ", "VideoMD5", "URL", "", "imagepdq"])
        | json_values,
        "hashValue": st.sampled_from(PDQ + MD5) | st.text(max_size=70) | json_values,
        "hashStatus": st.sampled_from(["Active", "Received", "Withdrawn", "Deleted", "x"])
        | json_values,
        "caseNumbers": json_values,
    },
)
slow_ok = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@slow_ok
@given(st.text(max_size=400), st.sampled_from(["threatexchange", "stopncii", "csv", "auto"]))
def test_fuzz_any_text_never_raises(text: str, fmt: str) -> None:
    _check_parsed(parse(text, fmt))


@slow_ok
@given(st.lists(record_like | json_values, max_size=6), st.sampled_from(["doc", "array", "lines"]))
def test_fuzz_stopncii_records(records: list, shape: str) -> None:
    if shape == "doc":
        text = json.dumps({"count": len(records), "hashRecords": records}, indent=1)
    elif shape == "array":
        text = json.dumps(records)
    else:
        text = "\n".join(json.dumps(r) for r in records)
    out = parse(text, "stopncii")
    _check_parsed(out)


@slow_ok
@given(
    st.lists(
        st.lists(
            st.sampled_from(["pdq", "md5", *PDQ, *MD5, "", "x\ny", '"', ";", "90", "-1"])
            | st.text(max_size=20),
            min_size=0,
            max_size=7,
        ),
        max_size=6,
    )
)
def test_fuzz_csv_rows(rows: list[list[str]]) -> None:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["signal_type", "value", "external_id", "case_numbers", "quality"])
    writer.writerows(rows)
    out = parse(buffer.getvalue(), "csv")
    _check_parsed(out)
    assert len(out.entries) + len(out.errors) <= len(rows) + 1
