"""Hostile input to the report parser, the item-id parser and the PIN check
never raises anything but a named problem."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from perisai.cases import CaseInputError, CaseService, ReportInput
from perisai.cases.service import check_pin, parse_item_id, validate_report
from perisai.cases.statements import validate_statement

text = st.one_of(st.none(), st.text(max_size=300))


@settings(max_examples=200, deadline=None)
@given(
    reason=text,
    role=text,
    urls=st.lists(st.text(max_size=50), max_size=25),
    explanation=text,
    name=text,
    email=text,
    country=text,
    language=st.text(max_size=5),
    good_faith=st.booleans(),
    signature=text,
)
def test_validate_report_only_names_fields(
    reason,
    role,
    urls,
    explanation,
    name,
    email,
    country,  # type: ignore[no-untyped-def]
    language,
    good_faith,
    signature,
) -> None:
    r = ReportInput(
        reason or "", role, urls, explanation, name, email, country, language, good_faith, signature
    )
    for problem in validate_report(r):
        assert problem["field"].startswith("body.") and problem["message"]


@given(st.text(max_size=200))
def test_parse_item_id_never_raises(value: str) -> None:
    found = parse_item_id(value)
    assert found is None or (found.startswith("itm_") and len(found) == 20)


@given(st.text(max_size=80), st.text(max_size=120))
def test_check_pin_rejects_garbage(pin: str, stored: str) -> None:
    assert check_pin(pin, stored) is False or stored.startswith("scrypt$")


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "puid",
                "category",
                "decision_ground",
                "content_date",
                "decision_visibility",
                "automated_decision",
                "source_type",
            ]
        ),
        st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10)), st.integers()),
    )
)
def test_statement_validator_reports_not_raises(statement: dict[str, object]) -> None:
    assert validate_statement(statement)  # incomplete: always has problems


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["signal_type", "value", "quality"]),
            st.one_of(st.text(max_size=70), st.integers(), st.none()),
        ),
        max_size=4,
    )
)
def test_survivor_hash_parser(service: CaseService, hashes: list[dict[str, object]]) -> None:
    try:
        service.submit_survivor_hashes(hashes)
    except CaseInputError as exc:
        assert all(e["field"].startswith("body.hashes") for e in exc.errors)
