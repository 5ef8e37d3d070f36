"""A plain-language rendering of a policy, for people who don't read YAML."""

from __future__ import annotations

from perisai.policy.schema import (
    AllCondition,
    AnyCondition,
    Condition,
    ContextCondition,
    NotCondition,
    Policy,
    SignalCondition,
)
from perisai.signals.base import KNOWN_SIGNALS


def describe_condition(cond: Condition) -> str:
    if isinstance(cond, SignalCondition):
        text = KNOWN_SIGNALS.get(cond.signal, f"signal '{cond.signal}'").rstrip(".")
        text = text[0].lower() + text[1:]
        floor = f" (counted from a score of {cond.at_least:g})" if cond.at_least else ""
        return f"{text}{floor}"
    if isinstance(cond, AllCondition):
        return "ALL of: (" + "; ".join(describe_condition(c) for c in cond.all) + ")"
    if isinstance(cond, AnyCondition):
        return "ANY of: (" + "; ".join(describe_condition(c) for c in cond.any) + ")"
    if isinstance(cond, NotCondition):
        return "NOT (" + describe_condition(cond.not_) + ")"
    if isinstance(cond, ContextCondition):
        parts = []
        m = cond.context
        if m.kind:
            parts.append("request kind is " + " or ".join(m.kind))
        if m.jurisdiction:
            parts.append("jurisdiction is " + " or ".join(m.jurisdiction))
        if m.account:
            parts.append("account is " + " or ".join(m.account))
        return " and ".join(parts) or "always"
    raise TypeError(type(cond).__name__)


def explain(policy: Policy) -> str:
    lines = [
        f"{policy.name} (version {policy.version})",
        "",
        policy.description.strip(),
        "",
        f"Anything no rule catches is: {policy.default_action.upper()}.",
        "",
        "WHAT IS PROTECTED",
    ]
    for name, cat in policy.categories.items():
        lines.append(f"- {cat.title} [{name}], severity {cat.severity}")
        lines.append(f"    {cat.description.strip()}")
        extra = []
        if cat.escalate:
            extra.append(f"escalated to the {cat.escalate.replace('_', ' ')} team")
        if cat.evidence_retention_days:
            extra.append(f"evidence of blocked attempts kept {cat.evidence_retention_days} days")
        extra.append(f"EU reporting category {cat.dsa.category}")
        lines.append("    " + "; ".join(extra) + ".")
    lines += ["", "RULES (a score runs from 0 = no sign to 1 = certain)"]
    for rule in policy.rules:
        state = "" if rule.enabled else " [disabled]"
        lines.append(f"- {rule.id}{state}: {rule.description}")
        lines.append(f"    Applies to: {', '.join(rule.applies_to)} requests.")
        lines.append(f"    Looks at: {describe_condition(rule.when)}.")
        acts = []
        if rule.block_at is not None:
            acts.append(f"BLOCK when the score is {rule.block_at:g} or more")
        if rule.review_at is not None:
            acts.append(f"hold for human REVIEW from {rule.review_at:g}")
        lines.append("    " + "; ".join(acts) + ".")
    if policy.jurisdictions:
        lines += ["", "COUNTRY AND REGION SETTINGS"]
        for code, jur in policy.jurisdictions.items():
            clocks = ", ".join(f"{k.replace('_', ' ')} within {v}" for k, v in jur.clocks.items())
            lines.append(f"- {jur.name} ({code}): {clocks or 'no clocks set'}.")
            for o in jur.overrides:
                changes = []
                if o.enabled is False:
                    changes.append("switched off")
                if o.block_at is not None:
                    changes.append(f"blocks from {o.block_at:g}")
                if o.review_at is not None:
                    changes.append(f"reviews from {o.review_at:g}")
                lines.append(f"    Rule {o.rule}: {', '.join(changes)}.")
    return "\n".join(lines)
