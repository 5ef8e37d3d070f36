"""The policy engine: signals + context -> decision.

A policy is compiled once into closures; deciding is a walk over the rules
with no parsing on the hot path. Conditions score fuzzily: a signal
condition is the signal's best score (0 if absent or below ``at_least``),
``all`` takes the minimum, ``any`` the maximum, ``not`` one minus, and a
context condition is 1 or 0. A rule's score is compared with its
thresholds; the strongest action of any rule wins.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from perisai.decisions import Action, Decision, Reason, SignalRef, fingerprint
from perisai.policy.schema import (
    ACTION_RANK,
    AllCondition,
    AnyCondition,
    Condition,
    ContextCondition,
    NotCondition,
    Policy,
    Rule,
    SignalCondition,
)
from perisai.signals.base import Signal


@dataclass(frozen=True, slots=True)
class Context:
    kind: str = "generate"
    jurisdiction: str | None = None
    account: str | None = None
    language: str | None = None


BestSignals = Mapping[str, Signal]
Evaluator = Callable[[BestSignals, Context], tuple[float, tuple[SignalRef, ...]]]


def _compile(cond: Condition) -> Evaluator:
    if isinstance(cond, SignalCondition):
        name, floor = cond.signal, cond.at_least

        def signal(best: BestSignals, ctx: Context) -> tuple[float, tuple[SignalRef, ...]]:
            sig = best.get(name)
            if sig is None or sig.score < floor or sig.score <= 0.0:
                return 0.0, ()
            return float(sig.score), (SignalRef(name, float(sig.score), sig.source),)

        return signal
    if isinstance(cond, AllCondition):
        parts = [_compile(c) for c in cond.all]

        def all_(best: BestSignals, ctx: Context) -> tuple[float, tuple[SignalRef, ...]]:
            low = 1.0
            refs: tuple[SignalRef, ...] = ()
            for part in parts:
                score, found = part(best, ctx)
                if score <= 0.0:
                    return 0.0, ()
                low, refs = min(low, score), refs + found
            return low, refs

        return all_
    if isinstance(cond, AnyCondition):
        parts = [_compile(c) for c in cond.any]

        def any_(best: BestSignals, ctx: Context) -> tuple[float, tuple[SignalRef, ...]]:
            high: tuple[float, tuple[SignalRef, ...]] = (0.0, ())
            for part in parts:
                result = part(best, ctx)
                if result[0] > high[0]:
                    high = result
            return high

        return any_
    if isinstance(cond, NotCondition):
        inner = _compile(cond.not_)

        def not_(best: BestSignals, ctx: Context) -> tuple[float, tuple[SignalRef, ...]]:
            return 1.0 - inner(best, ctx)[0], ()

        return not_
    if isinstance(cond, ContextCondition):
        match = cond.context

        def context(best: BestSignals, ctx: Context) -> tuple[float, tuple[SignalRef, ...]]:
            if match.kind is not None and ctx.kind not in match.kind:
                return 0.0, ()
            if match.jurisdiction is not None and ctx.jurisdiction not in match.jurisdiction:
                return 0.0, ()
            if match.account is not None and ctx.account not in match.account:
                return 0.0, ()
            return 1.0, ()

        return context
    raise TypeError(f"unknown condition {type(cond).__name__}")


@dataclass(frozen=True)
class _CompiledRule:
    rule: Rule
    evaluate: Evaluator
    review_at: float | None
    block_at: float | None


class PolicyEngine:
    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self._rules = [
            _CompiledRule(r, _compile(r.when), r.review_at, r.block_at) for r in policy.rules
        ]
        self._by_jurisdiction: dict[str | None, list[_CompiledRule]] = {None: self._active(None)}
        for code in policy.jurisdictions:
            self._by_jurisdiction[code] = self._active(code)

    @property
    def version(self) -> str:
        return self.policy.version

    def _active(self, jurisdiction: str | None) -> list[_CompiledRule]:
        overrides = {}
        if jurisdiction is not None:
            overrides = {o.rule: o for o in self.policy.jurisdictions[jurisdiction].overrides}
        out = []
        for compiled in self._rules:
            rule, o = compiled.rule, overrides.get(compiled.rule.id)
            enabled = rule.enabled if o is None or o.enabled is None else o.enabled
            if not enabled:
                continue
            review = (
                o.review_at if o is not None and o.review_at is not None else compiled.review_at
            )
            block = o.block_at if o is not None and o.block_at is not None else compiled.block_at
            out.append(_CompiledRule(rule, compiled.evaluate, review, block))
        return out

    def decide(
        self,
        signals: Iterable[Signal],
        context: Context,
        *,
        request_fingerprint: str | None = None,
        timings_ms: dict[str, float] | None = None,
    ) -> Decision:
        started = time.perf_counter()
        signals = list(signals)
        best: dict[str, Signal] = {}
        for sig in signals:
            held = best.get(sig.name)
            if held is None or sig.score > held.score:
                best[sig.name] = sig
        rules = self._by_jurisdiction.get(context.jurisdiction, self._by_jurisdiction[None])
        categories = self.policy.categories
        scores = dict.fromkeys(categories, 0.0)
        reasons: list[Reason] = []
        action: Action = self.policy.default_action
        for compiled in rules:
            rule = compiled.rule
            if context.kind not in rule.applies_to:
                continue
            score, refs = compiled.evaluate(best, context)
            if score > scores[rule.category]:
                scores[rule.category] = score
            fired: Action | None = None
            if compiled.block_at is not None and score >= compiled.block_at and score > 0:
                fired = "block"
            elif compiled.review_at is not None and score >= compiled.review_at and score > 0:
                fired = "review"
            if fired is None:
                continue
            reasons.append(Reason(rule.id, rule.category, fired, score, rule.description, refs))
            if ACTION_RANK[fired] > ACTION_RANK[action]:
                action = fired
        # Strongest action first; within it, categories that escalate (child safety)
        # before the rest, so the first reason and the user message name the gravest harm.
        reasons.sort(
            key=lambda r: (
                -ACTION_RANK[r.action],
                categories[r.category].escalate is None,
                -r.score,
            )
        )
        fired_categories = list(dict.fromkeys(r.category for r in reasons))
        escalations: list[str] = sorted(
            {e for c in fired_categories if (e := categories[c].escalate) and action != "allow"}
        )
        retention = max(
            (categories[c].evidence_retention_days for c in fired_categories if action == "block"),
            default=0,
        )
        user_message = None
        if reasons and action != "allow":
            messages = categories[reasons[0].category].user_message
            user_message = messages.get(context.language or "en", messages["en"])
        timings = dict(timings_ms or {})
        timings["policy"] = (time.perf_counter() - started) * 1000.0
        if request_fingerprint is None:
            request_fingerprint = fingerprint(
                {
                    "signals": sorted((s.name, round(s.score, 6), s.source) for s in signals),
                    "kind": context.kind,
                    "jurisdiction": context.jurisdiction,
                    "account": context.account,
                }
            )
        return Decision(
            action=action,
            categories=fired_categories,
            scores=scores,
            risk=max(scores.values(), default=0.0),
            reasons=reasons,
            policy_version=self.policy.version,
            request_fingerprint=request_fingerprint,
            kind=context.kind,
            jurisdiction=context.jurisdiction,
            account=context.account,
            user_message=user_message,
            escalations=escalations,
            evidence_retention_days=retention,
            signals=signals,
            timings_ms=timings,
        )
