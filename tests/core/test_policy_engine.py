"""The engine on synthetic signals: every rule of the default policy, context,
jurisdiction overrides, and invariants that hold for any signals."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from perisai.config import BUNDLED_POLICY
from perisai.policy import Context, PolicyEngine, load_policy, parse_policy
from perisai.signals.base import KNOWN_SIGNALS, Signal

POLICY = load_policy(BUNDLED_POLICY)
ENGINE = PolicyEngine(POLICY)


def sig(name: str, score: float, source: str = "prompt") -> Signal:
    return Signal(name, score, "test", "synthetic", source=source)


def decide(kind: str = "generate", **scores: float):  # type: ignore[no-untyped-def]
    signals = [sig(name.replace("__", "."), s) for name, s in scores.items()]
    return ENGINE.decide(signals, Context(kind=kind))


def test_nothing_found_is_allowed_with_no_reasons() -> None:
    d = decide()
    assert d.action == "allow" and d.reasons == [] and d.categories == [] and d.risk == 0.0
    assert d.user_message is None and d.policy_version == POLICY.version


def test_grok_pattern_blocks_as_sexualised_real_person() -> None:
    d = decide("edit", text__undress_or_sexualise=0.9, image__real_person_photo=0.95)
    assert d.action == "block"
    assert d.categories[0] == "sexualised_real_person"
    assert d.reasons[0].rule_id == "undress-edit-of-person-photo"
    assert {s.name for s in d.reasons[0].signals} == {
        "text.undress_or_sexualise",
        "image.real_person_photo",
    }
    assert d.evidence_retention_days == 365
    assert "real people" in (d.user_message or "")


def test_undress_edit_without_a_confirmed_person_goes_to_review() -> None:
    d = decide("edit", text__undress_or_sexualise=0.9)
    assert d.action == "review"
    assert [r.rule_id for r in d.reasons] == ["undress-edit"]


def test_benign_edit_of_a_person_is_allowed() -> None:
    d = decide("edit", text__real_person=0.9, image__real_person_photo=0.97, image__face=0.99)
    assert d.action == "allow"


def test_minor_with_any_sexual_signal_blocks_and_escalates() -> None:
    for other in ("text__sexual", "text__undress_or_sexualise", "image__nudity"):
        d = decide("generate", text__minor=0.8, **{other: 0.6})
        assert d.action == "block"
        assert "minor_sexualisation" in d.categories
        assert d.escalations == ["child_safety"]
    d = decide("edit", image__minor_risk=0.7, text__undress_or_sexualise=0.7, image__face=0.9)
    assert d.categories[0] == "minor_sexualisation"


def test_child_safety_reason_comes_first_even_when_another_scores_higher() -> None:
    d = decide(
        "edit",
        text__minor=0.55,
        text__undress_or_sexualise=0.99,
        image__real_person_photo=0.99,
    )
    assert d.action == "block"
    assert set(d.categories) >= {"minor_sexualisation", "sexualised_real_person"}
    assert d.categories[0] == "minor_sexualisation"
    assert d.reasons[0].category == "minor_sexualisation"


def test_minor_alone_is_allowed() -> None:
    d = decide("generate", text__minor=0.95)
    assert d.action == "allow" and d.escalations == []


def test_named_person_sexual_and_explicit_and_violence() -> None:
    assert (
        decide("generate", text__real_person=0.9, text__sexual=0.8).categories[0]
        == "sexualised_real_person"
    )
    explicit = decide("generate", text__sexual=0.9)
    assert explicit.action == "block" and explicit.categories == ["sexual_explicit"]
    assert decide("generate", text__sexual=0.5).action == "review"
    assert decide("generate", text__sexual_violence=0.7).categories == ["sexual_violence"]


def test_hash_match_blocks_uploads() -> None:
    d = decide("upload", bank__match=1.0)
    assert d.action == "block" and d.categories == ["hash_match"]


def test_output_nudity_of_person_edit_blocks_even_with_harmless_prompt() -> None:
    d = decide("output", image__nudity=0.45, request__edit_of_person=1.0)
    assert d.action == "block" and d.categories[0] == "sexualised_real_person"
    assert decide("output", image__nudity=0.45).action == "allow"


def test_rules_respect_request_kind() -> None:
    # the undress rules apply to edits only
    assert decide("generate", text__undress_or_sexualise=0.9).action == "allow"


def test_language_of_user_message_and_fallback() -> None:
    signals = [sig("text.sexual", 0.9)]
    assert ENGINE.decide(signals, Context(language="ms")).user_message.startswith("Kami")  # type: ignore[union-attr]
    assert ENGINE.decide(signals, Context(language="xx")).user_message.startswith("We can't")  # type: ignore[union-attr]


def policy_with(**changes: object) -> PolicyEngine:
    data = yaml.safe_load(BUNDLED_POLICY.read_text())
    data.update(changes)
    return PolicyEngine(parse_policy(yaml.safe_dump(data, allow_unicode=True)))


def test_jurisdiction_override_changes_thresholds_and_can_disable() -> None:
    data = yaml.safe_load(BUNDLED_POLICY.read_text())
    data["jurisdictions"]["DE"] = {
        "name": "Germany",
        "overrides": [
            {"rule": "explicit-sexual-request", "block_at": 0.95},
            {"rule": "sexual-violence-request", "enabled": False},
        ],
    }
    engine = PolicyEngine(parse_policy(yaml.safe_dump(data, allow_unicode=True)))
    s = [sig("text.sexual", 0.9)]
    assert engine.decide(s, Context(jurisdiction="DE")).action == "review"
    assert engine.decide(s, Context(jurisdiction="MY")).action == "block"
    assert engine.decide(s, Context(jurisdiction="ZZ")).action == "block"
    v = [sig("text.sexual_violence", 0.9)]
    assert engine.decide(v, Context(jurisdiction="DE")).action == "allow"


def test_context_conditions_on_account_state() -> None:
    data = yaml.safe_load(BUNDLED_POLICY.read_text())
    data["rules"].append(
        {
            "id": "suspended-accounts-reviewed",
            "category": "sexual_explicit",
            "description": "Suspended accounts are reviewed.",
            "when": {
                "all": [
                    {"context": {"account": ["suspended"]}},
                    {"signal": "text.sexual", "at_least": 0.2},
                ]
            },
            "review_at": 0.2,
        }
    )
    engine = PolicyEngine(parse_policy(yaml.safe_dump(data, allow_unicode=True)))
    s = [sig("text.sexual", 0.3)]
    assert engine.decide(s, Context(account="suspended")).action == "review"
    assert engine.decide(s, Context(account="good_standing")).action == "allow"


def test_signal_rejects_out_of_range_scores() -> None:
    for bad in (-0.1, 1.5, float("nan")):
        with pytest.raises(ValueError):
            sig("text.sexual", bad)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(sorted(KNOWN_SIGNALS)), st.floats(0, 1)), max_size=12),
    st.sampled_from(["generate", "edit", "output", "upload"]),
    st.sampled_from([None, "MY", "GB", "US", "ZZ"]),
)
def test_decision_invariants(pairs: list[tuple[str, float]], kind: str, jur: str | None) -> None:
    signals = [sig(n, s) for n, s in pairs]
    d = ENGINE.decide(signals, Context(kind=kind, jurisdiction=jur))
    assert 0.0 <= d.risk <= 1.0
    assert (d.action == "allow") == (not any(r.action != "allow" for r in d.reasons))
    assert set(d.categories) == {r.category for r in d.reasons}
    if d.action != "allow":
        assert d.user_message
    # raising every score never makes a decision weaker (monotone policy)
    stronger = ENGINE.decide(
        [sig(n, min(1.0, s + 0.2)) for n, s in pairs], Context(kind=kind, jurisdiction=jur)
    )
    rank = {"allow": 0, "review": 1, "block": 2}
    if not any(
        n.startswith("image.real_person") or n == "image.face" or n == "text.real_person"
        for n, _ in pairs
    ):
        assert rank[stronger.action] >= rank[d.action]
