"""The policy file's schema (pydantic). ``perisai policy explain`` renders it
for non-engineers; ``docs/policy.md`` documents every field."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)

from perisai.policy.dsa import DECISION_GROUNDS, KEYWORDS, STATEMENT_CATEGORIES

Action = Literal["allow", "review", "block"]
RequestKind = Literal["generate", "edit", "output", "upload"]
Severity = Literal["low", "medium", "high", "critical"]
Escalation = Literal["child_safety"]

ACTION_RANK: dict[str, int] = {"allow": 0, "review": 1, "block": 2}
REQUIRED_CATEGORIES = (
    "sexual_explicit",
    "sexualised_real_person",
    "minor_sexualisation",
    "sexual_violence",
    "hash_match",
)
Score = Annotated[float, Field(ge=0.0, le=1.0)]
Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_.\-]{0,63}$")]
DURATION = re.compile(r"^(\d+)\s*(m|h|d)$")


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DsaMapping(Strict):
    category: str
    keywords: list[str] = []
    decision_ground: str = "DECISION_GROUND_ILLEGAL_CONTENT"

    @field_validator("category")
    @classmethod
    def _category(cls, v: str) -> str:
        if v not in STATEMENT_CATEGORIES:
            raise ValueError(f"{v!r} is not a DSA statement category")
        return v

    @field_validator("keywords")
    @classmethod
    def _keywords(cls, v: list[str]) -> list[str]:
        bad = [k for k in v if k not in KEYWORDS]
        if bad:
            raise ValueError(f"not DSA category_specification keywords: {bad}")
        return v

    @field_validator("decision_ground")
    @classmethod
    def _ground(cls, v: str) -> str:
        if v not in DECISION_GROUNDS:
            raise ValueError(f"{v!r} is not one of {sorted(DECISION_GROUNDS)}")
        return v


class Category(Strict):
    title: str
    description: str
    severity: Severity
    dsa: DsaMapping
    #: Keep an evidence record of blocked attempts for this many days (0: none).
    evidence_retention_days: int = Field(default=0, ge=0, le=3650)
    escalate: Escalation | None = None
    #: What the requester is told, by language code; "en" is required.
    user_message: dict[str, str]

    @field_validator("user_message")
    @classmethod
    def _messages(cls, v: dict[str, str]) -> dict[str, str]:
        if "en" not in v:
            raise ValueError("an 'en' message is required")
        return v


class SignalCondition(Strict):
    signal: str
    #: Scores below this count as 0 (a gate within the condition).
    at_least: Score = 0.0


class AllCondition(Strict):
    all: list[Condition] = Field(min_length=1)


class AnyCondition(Strict):
    any: list[Condition] = Field(min_length=1)


class NotCondition(Strict):
    not_: Condition = Field(alias="not")


class ContextCondition(Strict):
    context: ContextMatch


class ContextMatch(Strict):
    kind: list[RequestKind] | None = None
    jurisdiction: list[str] | None = None
    account: list[str] | None = None


CONDITION_KEYS = ("signal", "all", "any", "not", "context")


def _condition_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        present = [k for k in CONDITION_KEYS if k in value]
        return present[0] if len(present) == 1 else None
    tags: dict[type, str] = {
        SignalCondition: "signal",
        AllCondition: "all",
        AnyCondition: "any",
        NotCondition: "not",
        ContextCondition: "context",
    }
    return tags.get(type(value))


Condition = Annotated[
    Annotated[SignalCondition, Tag("signal")]
    | Annotated[AllCondition, Tag("all")]
    | Annotated[AnyCondition, Tag("any")]
    | Annotated[NotCondition, Tag("not")]
    | Annotated[ContextCondition, Tag("context")],
    Discriminator(
        _condition_tag,
        custom_error_type="invalid_condition",
        custom_error_message="a condition needs exactly one of: signal, all, any, not, context",
    ),
]


class Rule(Strict):
    id: Identifier
    category: str
    description: str
    applies_to: list[RequestKind] = ["generate", "edit", "output", "upload"]
    when: Condition
    review_at: Score | None = None
    block_at: Score | None = None
    enabled: bool = True

    @model_validator(mode="after")
    def _thresholds(self) -> Rule:
        if self.review_at is None and self.block_at is None:
            raise ValueError("a rule needs review_at, block_at or both")
        if (
            self.review_at is not None
            and self.block_at is not None
            and self.review_at > self.block_at
        ):
            raise ValueError("review_at must not be above block_at")
        return self


class RuleOverride(Strict):
    rule: str
    review_at: Score | None = None
    block_at: Score | None = None
    enabled: bool | None = None


class Jurisdiction(Strict):
    name: str
    #: Legal clocks, e.g. {"acknowledge": "1h", "ncii_removal": "48h"}.
    clocks: dict[Identifier, str] = {}
    overrides: list[RuleOverride] = []
    #: Laws this jurisdiction's decisions cite (shown in statements of reasons).
    legal_grounds: dict[str, str] = {}

    @field_validator("clocks")
    @classmethod
    def _clocks(cls, v: dict[str, str]) -> dict[str, str]:
        for name, text in v.items():
            if not DURATION.match(text.strip()):
                raise ValueError(
                    f"clock {name}: {text!r} is not a duration like '30m', '12h' or '2d'"
                )
        return v


class Policy(Strict):
    perisai_policy: Literal[1]
    version: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._\-+]+$")]
    name: str
    description: str = ""
    default_action: Action = "allow"
    account_states: list[Identifier] = ["good_standing"]
    categories: dict[Identifier, Category]
    rules: list[Rule] = Field(min_length=1)
    jurisdictions: dict[str, Jurisdiction] = {}

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    def clock(self, jurisdiction: str, name: str) -> str | None:
        jur = self.jurisdictions.get(jurisdiction)
        return jur.clocks.get(name) if jur else None


def reference_problems(policy: Policy) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-references pydantic cannot check field by field: (location, message)."""
    problems: list[tuple[tuple[Any, ...], str]] = []
    missing = [c for c in REQUIRED_CATEGORIES if c not in policy.categories]
    if missing:
        problems.append((("categories",), f"must include the categories {missing}"))
    seen: set[str] = set()
    for i, rule in enumerate(policy.rules):
        if rule.id in seen:
            problems.append((("rules", i, "id"), f"rule id {rule.id!r} is used twice"))
        seen.add(rule.id)
        if rule.category not in policy.categories:
            problems.append(
                (
                    ("rules", i, "category"),
                    f"unknown category {rule.category!r}; known: {sorted(policy.categories)}",
                )
            )
    for code, jur in policy.jurisdictions.items():
        for j, override in enumerate(jur.overrides):
            if override.rule not in seen:
                problems.append(
                    (
                        ("jurisdictions", code, "overrides", j, "rule"),
                        f"unknown rule {override.rule!r}",
                    )
                )
    return problems


for _model in (AllCondition, AnyCondition, NotCondition, ContextCondition, Rule):
    _model.model_rebuild()
