"""Decisions: what the gate answers, and what the ledger records."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from perisai.signals.base import Signal

Action = Literal["allow", "review", "block"]


@dataclass(frozen=True, slots=True)
class SignalRef:
    """A signal as cited by a reason."""

    name: str
    score: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "score": round(self.score, 4), "source": self.source}


@dataclass(frozen=True, slots=True)
class Reason:
    """One policy rule that fired, with the signals that made it fire."""

    rule_id: str
    category: str
    action: Action
    score: float
    message: str
    signals: tuple[SignalRef, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule_id,
            "category": self.category,
            "action": self.action,
            "score": round(self.score, 4),
            "message": self.message,
            "signals": [s.to_dict() for s in self.signals],
        }


@dataclass(slots=True)
class Decision:
    action: Action
    categories: list[str]
    scores: dict[str, float]
    risk: float
    reasons: list[Reason]
    policy_version: str
    request_fingerprint: str
    kind: str
    jurisdiction: str | None = None
    account: str | None = None
    user_message: str | None = None
    escalations: list[str] = field(default_factory=list)
    evidence_retention_days: int = 0
    signals: list[Signal] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    decision_id: str = field(default_factory=lambda: new_id("dec"))
    created_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def reason_texts(self) -> list[str]:
        return [r.message for r in self.reasons]

    def to_dict(self, *, include_signals: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {
            "decision_id": self.decision_id,
            "created_at": self.created_at.isoformat(),
            "action": self.action,
            "categories": list(self.categories),
            "scores": {k: round(v, 4) for k, v in self.scores.items()},
            "risk": round(self.risk, 4),
            "reasons": [r.to_dict() for r in self.reasons],
            "user_message": self.user_message,
            "escalations": list(self.escalations),
            "policy_version": self.policy_version,
            "request_fingerprint": self.request_fingerprint,
            "kind": self.kind,
            "jurisdiction": self.jurisdiction,
            "account": self.account,
            "timings_ms": {k: round(v, 3) for k, v in self.timings_ms.items()},
        }
        if include_signals:
            out["signals"] = [s.to_dict() for s in self.signals]
        return out

    def ledger_payload(self) -> dict[str, Any]:
        """What the ledger keeps: the decision and its grounds, without
        request content (prompts and images stay out of the ledger)."""
        payload = self.to_dict(include_signals=True)
        for sig in payload["signals"]:
            for ev in sig.get("evidence", []):
                ev.pop("text", None)
        return payload


def new_id(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex}"


def fingerprint(parts: dict[str, Any]) -> str:
    """A stable SHA-256 over a request's canonical JSON form."""
    data = json.dumps(parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()
