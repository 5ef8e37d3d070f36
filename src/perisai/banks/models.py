"""Values the bank service takes and returns. All frozen: they go into
ledgers, API responses and tests unchanged."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal, get_args

from perisai.banks.formats import RowError

BankKind = Literal["block", "allow"]
BANK_KINDS: tuple[str, ...] = get_args(BankKind)
Provenance = Literal[
    "survivor_submission",
    "partner_import",
    "internal_moderation",
    "ncmec_list",
    "stopncii",
    "other",
]
PROVENANCES: tuple[str, ...] = get_args(Provenance)
HashStatus = Literal["active", "withdrawn", "deleted", "quarantined"]
HASH_STATUSES: tuple[str, ...] = get_args(HashStatus)
BANK_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]{0,99}")


class BankError(ValueError):
    """A request the bank service refuses. ``field`` names the input at fault."""

    status = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class BankNotFound(BankError):
    status = 404


class BankExists(BankError):
    status = 409


class HashNotFound(BankError):
    status = 404


@dataclass(frozen=True)
class Bank:
    id: int
    name: str
    kind: BankKind
    provenance: Provenance
    description: str
    enabled: bool
    match_distance: int
    #: Whether a query's flipped and rotated variants (PDQ dihedral hashes) match too.
    match_dihedral: bool
    flood_max_matches: int | None
    flood_window_seconds: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["created_at"] = self.created_at.isoformat()
        out["updated_at"] = self.updated_at.isoformat()
        return out


@dataclass(frozen=True)
class HashRecord:
    id: int
    bank: str
    signal_type: str
    value: str | None
    status: HashStatus
    quality: int | None
    source: str
    external_id: str | None
    case_numbers: tuple[str, ...]
    added_at: datetime
    added_by: str | None
    status_changed_at: datetime
    status_reason: str | None
    match_count: int
    last_matched_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("added_at", "status_changed_at", "last_matched_at"):
            value = getattr(self, key)
            out[key] = value.isoformat() if value else None
        out["case_numbers"] = list(self.case_numbers)
        return out


@dataclass
class AddReport:
    """What an add or import did. ``errors`` name the line or list index."""

    received: int = 0
    added: int = 0
    revived: int = 0
    duplicates: int = 0
    purged: int = 0
    skipped_tombstoned: int = 0
    errors: list[RowError] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        out = {k: v for k, v in asdict(self).items() if k != "errors"}
        out["errors"] = [e.as_dict() for e in self.errors]
        return out


@dataclass(frozen=True)
class MatchQuery:
    """One piece of content to look up: its hash, and for PDQ optionally the
    hashes of its seven other dihedral copies (rotations and flips)."""

    signal_type: str
    value: str
    quality: int | None = None
    variants: tuple[str, ...] = ()


@dataclass(frozen=True)
class BankMatch:
    bank: str
    bank_kind: BankKind
    bank_provenance: str
    hash_id: int
    signal_type: str
    value: str
    distance: int
    threshold: int
    #: 0: the query itself; 1-7: the dihedral copy that matched.
    variant: int
    source: str
    external_id: str | None
    case_count: int
    added_at: datetime

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["added_at"] = self.added_at.isoformat()
        return out


@dataclass(frozen=True)
class MatchResult:
    """The outcome for one query.

    ``matches`` are the block-bank matches that count. A match in an
    enabled allow bank moves every block match to ``suppressed``; a hash
    whose flood guard tripped on this query is in ``quarantined`` and no
    longer matches. ``skipped`` says why a query was not looked up at all.
    """

    query: int
    signal_type: str
    value: str
    matches: tuple[BankMatch, ...] = ()
    allowed_by: tuple[BankMatch, ...] = ()
    suppressed: tuple[BankMatch, ...] = ()
    quarantined: tuple[BankMatch, ...] = ()
    skipped: str | None = None

    @property
    def matched(self) -> bool:
        return bool(self.matches)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "signal_type": self.signal_type,
            "value": self.value,
            "matched": self.matched,
            "matches": [m.as_dict() for m in self.matches],
            "allowed_by": [m.as_dict() for m in self.allowed_by],
            "suppressed": [m.as_dict() for m in self.suppressed],
            "quarantined": [m.as_dict() for m in self.quarantined],
            "skipped": self.skipped,
        }
