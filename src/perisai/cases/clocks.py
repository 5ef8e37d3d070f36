"""Legal clocks for a case, per jurisdiction.

A clock is a named window from the case's creation (``acknowledge``: 1 h,
``ncii_removal``: 48 h ...) that is *met* by an event (acknowledgement,
content made inaccessible, a decision). Which clocks apply depends on the
report's reason; their lengths come from ``policy.jurisdictions[code].clocks``.
A country the policy does not list gets :data:`STRICT_DEFAULTS`, the
strictest combination of the laws the field guide lists, so an unknown
country is never handled more slowly than a known one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from perisai.policy.schema import DURATION, Policy

#: Used when the reporter's country has no jurisdiction in the policy.
STRICT_DEFAULTS: dict[str, str] = {
    "acknowledge": "1h",
    "status": "12h",
    "priority_inaccessible": "24h",
    "ncii_removal": "48h",
    "inquiry_answer": "5d",
}
DEFAULT_JURISDICTION = "DEFAULT"

NCII_REASONS = frozenset({"intimate_image_of_me", "sexual_deepfake_of_me"})
CHILD_REASONS = frozenset({"child_sexual_abuse"})

#: Which event meets each clock.
MET_BY: dict[str, str] = {
    "acknowledge": "acknowledged",
    "status": "assessed",
    "priority_inaccessible": "inaccessible",
    "ncii_removal": "decided",
    "inquiry_answer": "appeal_decided",
}

#: A clock is "due soon" when less than this share of its window remains.
DUE_SOON_FRACTION = 0.25


def parse_duration(text: str) -> timedelta:
    match = DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not a duration like '30m', '12h' or '2d'")
    amount, unit = int(match.group(1)), match.group(2)
    return {"m": timedelta(minutes=amount), "h": timedelta(hours=amount)}.get(
        unit, timedelta(days=amount)
    )


def resolve_jurisdiction(policy: Policy, country: str | None) -> str:
    """The policy jurisdiction whose clocks apply to a reporter's country."""
    code = (country or "").upper()
    if code in policy.jurisdictions:
        return code
    return DEFAULT_JURISDICTION


def clock_lengths(policy: Policy, jurisdiction: str) -> dict[str, str]:
    jur = policy.jurisdictions.get(jurisdiction)
    return dict(jur.clocks) if jur is not None else dict(STRICT_DEFAULTS)


def applicable_clocks(reason: str, lengths: dict[str, str]) -> dict[str, timedelta]:
    """The clocks a new report starts, by reason."""
    names = ["acknowledge", "status"]
    if reason in CHILD_REASONS:
        names.append("priority_inaccessible")
    if reason in NCII_REASONS:
        names.append("ncii_removal")
    return {name: parse_duration(lengths[name]) for name in names if name in lengths}


@dataclass(frozen=True)
class ClockState:
    name: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None

    @property
    def window(self) -> timedelta:
        return self.due_at - self.started_at

    def remaining(self, now: datetime) -> timedelta:
        return self.due_at - now

    def breached(self, now: datetime) -> bool:
        if self.met_at is not None:
            return self.met_at > self.due_at
        return now > self.due_at

    def due_soon(self, now: datetime) -> bool:
        if self.met_at is not None or self.breached(now):
            return False
        return self.remaining(now) < self.window * DUE_SOON_FRACTION

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {
            "name": self.name,
            "due_at": self.due_at.isoformat(),
            "met_at": self.met_at.isoformat() if self.met_at else None,
            "remaining_seconds": None if self.met_at else int(self.remaining(now).total_seconds()),
            "due_soon": self.due_soon(now),
            "breached": self.breached(now),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            "started_at": self.started_at.isoformat(),
            "due_at": self.due_at.isoformat(),
            "met_at": self.met_at.isoformat() if self.met_at else None,
        }

    @classmethod
    def from_json(cls, name: str, data: dict[str, Any]) -> ClockState:
        met = data.get("met_at")
        return cls(
            name,
            datetime.fromisoformat(data["started_at"]),
            datetime.fromisoformat(data["due_at"]),
            datetime.fromisoformat(met) if met else None,
        )


def start_clocks(now: datetime, windows: dict[str, timedelta]) -> dict[str, ClockState]:
    return {name: ClockState(name, now, now + window, None) for name, window in windows.items()}


def meet(clocks: dict[str, ClockState], event: str, at: datetime) -> dict[str, ClockState]:
    """Mark every unmet clock that ``event`` satisfies as met at ``at``."""
    out = dict(clocks)
    for name, state in clocks.items():
        if state.met_at is None and MET_BY.get(name) == event:
            out[name] = ClockState(name, state.started_at, state.due_at, at)
    return out


def next_deadline(clocks: dict[str, ClockState]) -> datetime | None:
    return min((c.due_at for c in clocks.values() if c.met_at is None), default=None)
