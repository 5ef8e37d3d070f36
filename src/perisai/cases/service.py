"""The case service: reports in, content made inaccessible, decisions out.

One :class:`CaseService` per process, over the database, the policy, the
ledger, the hash banks and a :class:`~perisai.cases.platform.PlatformAdapter`.
It knows nothing of HTTP. Flows (docs/cases.md has the diagrams):

* **report** (:meth:`create_report`): validate (TAKE IT DOWN + DSA Art 16),
  acknowledge at once, start the jurisdiction's clocks, resolve the reported
  items and **fast-track** them: hide at once when the report is about a
  child, the depicted person reports an intimate image, the item matches a
  bank, or the image analysers find a sexual image of a real person or a
  possible minor. A human then removes or restores.
* **takedown** (``remove``): delete the item and every identical or
  near-identical copy on the platform, bank its hashes (re-uploads are
  blocked), send each uploader a DSA Art 17 statement of reasons and the
  reporter an outcome notice.
* **appeal**: the uploader or the reporter contests; a *different*
  moderator decides; reversal restores the items and withdraws the hashes.
* **child safety**: a separate queue, evidence preserved encrypted for a
  year, a CyberTipline-style package; every access is written to the ledger.

Time comes from an injectable ``clock`` so tests and the benchmark can move
it. Personal data (report text, name, email, signature, notes) is
encrypted at rest; ledger entries carry none of it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from cryptography.fernet import Fernet
from sqlalchemy import Connection, select, update

from perisai.banks import BankError, BankNotFound, BankService, HashEntry, MatchQuery
from perisai.banks.signals import get_signal_type
from perisai.cases import clocks as clk
from perisai.cases.platform import Copy, PlatformAdapter, PlatformItem, UnknownItem
from perisai.cases.statements import (
    EEA_COUNTRIES,
    LANGUAGES,
    DecisionFacts,
    reporter_notice,
    statement_of_reasons,
    uploader_notice,
    validate_statement,
)
from perisai.cases.support import support_for
from perisai.cases.tables import (
    case_appeals,
    case_breaches,
    case_events,
    case_hashes,
    case_items,
    case_notes,
    case_notices,
    case_preservations,
    cases,
)
from perisai.policy.schema import Policy
from perisai.storage.db import Database

if TYPE_CHECKING:
    from perisai.ledger import Ledger

Clock = Callable[[], datetime]
#: Image bytes -> signal scores (``image.nudity``, ``image.minor_risk`` ...).
ImageScorer = Callable[[bytes], dict[str, float]]

REASONS = ("intimate_image_of_me", "sexual_deepfake_of_me", "child_sexual_abuse", "other")
REPORTER_ROLES = ("depicted_person", "acting_for_depicted_person", "third_party")
ACTIONS = ("hide", "remove", "restore", "dismiss", "escalate_child_safety", "note")
QUEUES = ("open", "child_safety", "appeals", "breached")
OPEN_STATUSES = ("received", "appealed")
SEVERITY_RANK = {"low": 1, "medium": 2, "high": 3, "critical": 4}
SEVERITY_NAME = {v: k for k, v in SEVERITY_RANK.items()}
#: The policy category a reason is judged under until a moderator picks one.
REASON_CATEGORY = {
    "intimate_image_of_me": "sexualised_real_person",
    "sexual_deepfake_of_me": "sexualised_real_person",
    "child_sexual_abuse": "minor_sexualisation",
}
TAKEDOWN_BANK = "takedowns"
SURVIVOR_BANK = "survivor-submissions"
CASE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
CASE_NUMBER = re.compile(r"^PRS-[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}$")
ITEM_ID = re.compile(r"(itm_[0-9a-f]{16})(?:[/?#]|$)")
PRESERVE_DAYS = 365
#: Image analysis thresholds for fast-tracking a third party's report.
NUDITY_AT = 0.8
PERSON_AT = 0.8
MINOR_AT = 0.5
#: Failed PIN attempts before a case is locked for PIN_LOCK.
PIN_MAX_FAILURES = 10
PIN_LOCK = timedelta(minutes=15)
SCRYPT_N = 2**14
#: Stored until the PIN's hash is written (never matches any PIN).
PIN_PENDING = "pending"


class CaseInputError(ValueError):
    """Input the service refuses; ``errors`` name each field and what is needed."""

    def __init__(self, errors: list[dict[str, str]], status: int = 422) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors
        self.status = status


class CaseNotFound(LookupError):
    pass


class WrongPin(PermissionError):
    pass


class CaseConflict(ValueError):
    """The request does not fit the case's state (e.g. the same moderator
    deciding an appeal of their own decision)."""


@dataclass
class ReportInput:
    reason: str
    reporter_role: str | None
    content_urls: list[str]
    explanation: str | None
    name: str | None = None
    email: str | None = None
    country: str | None = None
    language: str = "en"
    good_faith: bool = False
    signature: str | None = None
    hashes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class Breach:
    case_number: str
    clock: str
    due_at: datetime

    def to_dict(self) -> dict[str, Any]:
        return {
            "case_number": self.case_number,
            "clock": self.clock,
            "due_at": self.due_at.isoformat(),
        }


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _problem(field_name: str, message: str) -> dict[str, str]:
    return {"field": field_name, "message": message}


def validate_report(r: ReportInput) -> list[dict[str, str]]:
    """What a valid notice needs under TAKE IT DOWN and DSA Art 16, in plain words."""
    errors: list[dict[str, str]] = []
    if r.reason not in REASONS:
        errors.append(_problem("body.reason", f"choose one of: {', '.join(REASONS)}"))
    if r.reporter_role not in REPORTER_ROLES:
        errors.append(
            _problem("body.reporter_role", f"say who you are: one of {', '.join(REPORTER_ROLES)}")
        )
    if not r.content_urls:
        errors.append(
            _problem(
                "body.content_urls",
                "give the exact location of the content: its link or item id (at least one)",
            )
        )
    elif len(r.content_urls) > 20:
        errors.append(_problem("body.content_urls", "at most 20 links in one report"))
    for i, url in enumerate(r.content_urls[:20]):
        if not isinstance(url, str) or not url.strip() or len(url) > 2000:
            errors.append(
                _problem(f"body.content_urls[{i}]", "must be a link or item id (1-2000 characters)")
            )
    explanation = (r.explanation or "").strip()
    if not explanation:
        errors.append(
            _problem(
                "body.explanation",
                "explain in your own words why this content is abusive or illegal "
                "(for example: it is an intimate image of me shared without my consent)",
            )
        )
    elif len(explanation) > 5000:
        errors.append(_problem("body.explanation", "at most 5000 characters"))
    if r.reason != "child_sexual_abuse":
        if not (r.name or "").strip():
            errors.append(
                _problem(
                    "body.name",
                    "give your name (only reports of child sexual abuse may be anonymous)",
                )
            )
        if not _valid_email(r.email):
            errors.append(
                _problem("body.email", "give an email address we can send the outcome to")
            )
    elif r.email and not _valid_email(r.email):
        errors.append(
            _problem("body.email", "is not an email address; leave it out to stay anonymous")
        )
    if r.good_faith is not True:
        errors.append(
            _problem(
                "body.good_faith",
                "confirm that you believe in good faith that the report is accurate and the "
                "content was shared without consent",
            )
        )
    if (
        r.reason in clk.NCII_REASONS
        and r.reporter_role in ("depicted_person", "acting_for_depicted_person")
        and not (r.signature or "").strip()
    ):
        errors.append(
            _problem(
                "body.signature",
                "sign the request: type your full name as your electronic signature "
                "(the TAKE IT DOWN Act requires a signature from the depicted person or someone "
                "acting for them)",
            )
        )
    if r.language not in LANGUAGES:
        errors.append(_problem("body.language", f"choose one of: {', '.join(LANGUAGES)}"))
    if r.country is not None and not re.fullmatch(r"[A-Za-z]{2}", r.country or ""):
        errors.append(_problem("body.country", "must be a two-letter country code such as MY"))
    for text_field in ("explanation", "name", "email", "signature"):
        value = getattr(r, text_field)
        if isinstance(value, str) and _has_bad_chars(value):
            errors.append(
                _problem(f"body.{text_field}", "contains control or unpaired surrogate characters")
            )
    return errors


def _valid_email(value: str | None) -> bool:
    return (
        bool(value)
        and len(value or "") <= 254
        and bool(re.fullmatch(r"[^@\s]{1,64}@[^@\s]+\.[^@\s]+", value or ""))
    )


def _has_bad_chars(text: str) -> bool:
    import unicodedata

    return any(
        unicodedata.category(ch) == "Cs"
        or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t")
        for ch in text
    )


def hash_pin(pin: str, n: int = SCRYPT_N) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=n, r=8, p=1, dklen=32)
    return f"scrypt${n}${salt.hex()}${digest.hex()}"


def check_pin(pin: str, stored: str) -> bool:
    try:
        scheme, n_text, salt_hex, digest_hex = stored.split("$")
        n = int(n_text)
    except ValueError:
        return False
    if scheme != "scrypt" or not isinstance(pin, str) or len(pin) > 64:
        return False
    digest = hashlib.scrypt(pin.encode(), salt=bytes.fromhex(salt_hex), n=n, r=8, p=1, dklen=32)
    return hmac.compare_digest(digest.hex(), digest_hex)


def new_case_number() -> str:
    chars = "".join(secrets.choice(CASE_ALPHABET) for _ in range(8))
    return f"PRS-{chars[:4]}-{chars[4:]}"


def parse_item_id(location: str) -> str | None:
    """The platform item id in a link or a bare id (``itm_<16 hex>``)."""
    match = ITEM_ID.search(location.strip())
    return match.group(1) if match else None


class CaseService:
    def __init__(
        self,
        db: Database,
        policy: Policy,
        ledger: Ledger | None,
        banks: BankService,
        platform: PlatformAdapter,
        key: bytes,
        *,
        clock: Clock | None = None,
        image_scorer: ImageScorer | None = None,
        company: str = "Perisai demo platform",
        pin_cost: int = SCRYPT_N,
        gate_evidence: Callable[[str], dict[str, Any] | None] | None = None,
    ) -> None:
        self.db = db
        self.policy = policy
        self.ledger = ledger
        self.banks = banks
        self.platform = platform
        self._fernet = Fernet(key)
        self.clock: Clock = clock or (lambda: datetime.now(UTC))
        self.image_scorer = image_scorer
        self.company = company
        self.pin_cost = pin_cost
        self.gate_evidence = gate_evidence
        self._pin_failures: dict[str, tuple[int, datetime]] = {}
        self._lock = threading.Lock()
        self._banks_ready = False
        #: Ledger position up to which gate escalations have been turned into cases.
        self._gate_seq = 0

    # -- helpers ----------------------------------------------------------------

    def _enc(self, text: str | None) -> bytes | None:
        return self._fernet.encrypt(text.encode()) if text else None

    def _dec(self, blob: bytes | None) -> str | None:
        return self._fernet.decrypt(bytes(blob)).decode() if blob else None

    def _ledger(self, kind: str, payload: dict[str, Any], case_number: str) -> None:
        if self.ledger is not None:
            self.ledger.append(f"case.{kind}", payload, case_number)

    def _event(
        self,
        conn: Connection,
        case_number: str,
        event: str,
        actor: str,
        payload: dict[str, Any],
        at: datetime,
    ) -> None:
        conn.execute(
            case_events.insert().values(
                case_number=case_number,
                at=at,
                actor=actor,
                event=event,
                payload=json.dumps(payload, ensure_ascii=False, default=str),
            )
        )

    def ensure_banks(self) -> None:
        if self._banks_ready:
            return
        for name, provenance, description in (
            (
                TAKEDOWN_BANK,
                "internal_moderation",
                "Images removed after a report (re-upload blocking).",
            ),
            (SURVIVOR_BANK, "survivor_submission", "Hashes survivors made on their own device."),
        ):
            try:
                self.banks.get_bank(name)
            except BankNotFound:
                try:
                    self.banks.create_bank(
                        name, provenance=provenance, description=description, created_by="cases"
                    )
                except BankError:
                    self.banks.get_bank(name)  # created by another worker meanwhile
        self._banks_ready = True

    def _match_distance(self) -> int:
        self.ensure_banks()
        return self.banks.get_bank(TAKEDOWN_BANK).match_distance

    def _row(self, conn: Connection, case_number: str) -> Any:
        if not isinstance(case_number, str) or not CASE_NUMBER.fullmatch(case_number):
            raise CaseNotFound(f"{case_number!r} is not a case number like PRS-ABCD-2345")
        row = conn.execute(select(cases).where(cases.c.case_number == case_number)).first()
        if row is None:
            raise CaseNotFound(f"no case {case_number}")
        return row

    def _clocks(self, row: Any) -> dict[str, clk.ClockState]:
        return {n: clk.ClockState.from_json(n, d) for n, d in json.loads(row.deadlines).items()}

    def _save_clocks(
        self, conn: Connection, case_number: str, clocks: dict[str, clk.ClockState], **values: Any
    ) -> None:
        conn.execute(
            update(cases)
            .where(cases.c.case_number == case_number)
            .values(
                deadlines=json.dumps({n: c.to_json() for n, c in clocks.items()}),
                next_deadline_at=clk.next_deadline(clocks),
                updated_at=self.clock(),
                **values,
            )
        )

    def _meet(
        self, conn: Connection, row: Any, events: Sequence[str], at: datetime, **values: Any
    ) -> None:
        clocks = self._clocks(row)
        for event in events:
            clocks = clk.meet(clocks, event, at)
        self._save_clocks(conn, row.case_number, clocks, **values)

    def verify_pin(self, case_number: str, pin: str) -> Any:
        """The case row if the PIN is right; :class:`WrongPin` otherwise (and
        after too many failures, for a while, even when it is right)."""
        now = self.clock()
        with self._lock:
            failures, since = self._pin_failures.get(case_number, (0, now))
            if failures >= PIN_MAX_FAILURES and now - since < PIN_LOCK:
                raise WrongPin("too many wrong PINs for this case: try again in 15 minutes")
        with self.db.connect() as conn:
            try:
                row = self._row(conn, case_number)
            except CaseNotFound:
                row = None
        if row is None or not check_pin(str(pin), row.pin_hash):
            with self._lock:
                failures, since = self._pin_failures.get(case_number, (0, now))
                self._pin_failures[case_number] = (failures + 1, now if failures == 0 else since)
            raise WrongPin("the case number or PIN is not right")
        with self._lock:
            self._pin_failures.pop(case_number, None)
        return row

    # -- reports ----------------------------------------------------------------

    def create_report(self, report: ReportInput) -> dict[str, Any]:
        """Record a report, acknowledge it, fast-track its items. Returns the
        reporter's receipt (case number and the PIN, shown once)."""
        started = time.perf_counter()
        errors = validate_report(report)
        hashes = self._checked_hashes(report.hashes, errors)
        if errors:
            raise CaseInputError(errors)
        created = self._new_case(
            source="report",
            reason=report.reason,
            reporter_role=report.reporter_role,
            country=report.country,
            language=report.language,
            good_faith=True,
            explanation=report.explanation,
            name=report.name,
            email=report.email,
            signature=report.signature,
            locations=report.content_urls,
            defer_pin=True,
        )
        case_number = created["case_number"]
        added = self._add_survivor_hashes(case_number, hashes) if hashes else 0
        fast = self._fast_track(case_number, report.reason, report.reporter_role, started)
        if hashes:
            fast["matches"] = self._hide_hash_matches(case_number, hashes, started)
        # The PIN's deliberately slow hash comes after the content is hidden.
        with self.db.begin() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.case_number == case_number)
                .values(pin_hash=hash_pin(created["pin"], self.pin_cost))
            )
        self._ledger(
            "received",
            {
                "reason": report.reason,
                "reporter_role": report.reporter_role,
                "jurisdiction": created["jurisdiction"],
                "items": len(report.content_urls),
                "hashes": added,
                "fast_tracked": fast["hidden"] > 0,
                "queue": created["queue"],
            },
            case_number,
        )
        return {
            "case_number": case_number,
            "pin": created["pin"],
            "status": "received",
            "acknowledged_at": created["created_at"].isoformat(),
            "deadlines": {n: c["due_at"] for n, c in created["clocks"].items()},
            "support": support_for(report.country),
            "fast_tracked": fast["hidden"] > 0,
        }

    def _checked_hashes(
        self, hashes: Sequence[Any], errors: list[dict[str, str]]
    ) -> list[HashEntry]:
        out: list[HashEntry] = []
        if not isinstance(hashes, list | tuple) or len(hashes) > 100:
            errors.append(_problem("body.hashes", "must be a list of at most 100 hashes"))
            return out
        for i, h in enumerate(hashes):
            where = f"body.hashes[{i}]"
            if not isinstance(h, dict):
                errors.append(_problem(where, "must be an object with signal_type and value"))
                continue
            try:
                kind = get_signal_type(h.get("signal_type", ""))
            except ValueError:
                errors.append(_problem(f"{where}.signal_type", "must be pdq or md5"))
                continue
            if kind.name not in ("pdq", "md5"):
                errors.append(_problem(f"{where}.signal_type", "must be pdq or md5"))
                continue
            try:
                value = kind.validate(h.get("value"))  # type: ignore[arg-type]
            except ValueError as exc:
                errors.append(_problem(f"{where}.value", str(exc)))
                continue
            quality = h.get("quality")
            if quality is not None and (
                not isinstance(quality, int) or isinstance(quality, bool) or not 0 <= quality <= 100
            ):
                errors.append(_problem(f"{where}.quality", "must be an integer 0-100"))
                continue
            if (
                kind.quality_threshold is not None
                and quality is not None
                and quality < kind.quality_threshold
            ):
                errors.append(
                    _problem(
                        f"{where}.quality",
                        f"quality {quality} is below {kind.quality_threshold}: the picture has too "
                        "little detail to match safely; try a sharper copy",
                    )
                )
                continue
            out.append(HashEntry(kind.name, value, quality=quality, line=i))
        return out

    def _new_case(
        self,
        *,
        source: str,
        reason: str,
        reporter_role: str | None,
        country: str | None,
        language: str,
        good_faith: bool,
        explanation: str | None = None,
        name: str | None = None,
        email: str | None = None,
        signature: str | None = None,
        locations: Sequence[str] = (),
        decision_id: str | None = None,
        actor: str = "reporter",
        defer_pin: bool = False,
    ) -> dict[str, Any]:
        now = self.clock()
        pin = f"{secrets.randbelow(10**8):08d}"
        country = country.upper() if country else None
        jurisdiction = clk.resolve_jurisdiction(self.policy, country)
        lengths = clk.clock_lengths(self.policy, jurisdiction)
        clocks = clk.meet(
            clk.start_clocks(now, clk.applicable_clocks(reason, lengths)), "acknowledged", now
        )
        category = REASON_CATEGORY.get(reason)
        severity = (
            SEVERITY_RANK[self.policy.categories[category].severity]
            if category in self.policy.categories
            else SEVERITY_RANK["medium"]
        )
        queue = "child_safety" if reason == "child_sexual_abuse" else "open"
        case_number = new_case_number()
        items = []
        for location in locations:
            item_id = parse_item_id(location)
            item: PlatformItem | None = None
            if item_id is not None:
                try:
                    item = self.platform.get_item(item_id)
                except UnknownItem:
                    item = None
            items.append(
                {
                    "case_number": case_number,
                    "item_id": item.item_id if item else None,
                    "location": location.strip()[:2000],
                    "role": "reported",
                    "account": item.account if item else None,
                    "pdq": item.pdq if item else None,
                    "md5": item.md5 if item else None,
                    "sha256": item.sha256 if item else None,
                    "state": item.state if item else "unresolved",
                }
            )
        with self.db.begin() as conn:
            conn.execute(
                cases.insert().values(
                    case_number=case_number,
                    pin_hash=PIN_PENDING if defer_pin else hash_pin(pin, self.pin_cost),
                    source=source,
                    reason=reason,
                    reporter_role=reporter_role,
                    country=country,
                    jurisdiction=jurisdiction,
                    language=language if language in LANGUAGES else "en",
                    queue=queue,
                    status="received",
                    severity=severity,
                    policy_category=category,
                    created_at=now,
                    acknowledged_at=now,
                    fast_tracked=False,
                    deadlines=json.dumps({n: c.to_json() for n, c in clocks.items()}),
                    next_deadline_at=clk.next_deadline(clocks),
                    decision_id=decision_id,
                    good_faith=good_faith,
                    explanation_ct=self._enc(explanation),
                    name_ct=self._enc(name),
                    email_ct=self._enc(email),
                    signature_ct=self._enc(signature),
                    updated_at=now,
                )
            )
            if items:
                conn.execute(case_items.insert(), items)
            self._event(
                conn, case_number, "received", actor, {"source": source, "items": len(items)}, now
            )
            self._event(conn, case_number, "acknowledged", "system", {"automatic": True}, now)
        return {
            "case_number": case_number,
            "pin": pin,
            "created_at": now,
            "jurisdiction": jurisdiction,
            "queue": queue,
            "clocks": {n: c.to_dict(now) for n, c in clocks.items()},
        }

    # -- fast track -------------------------------------------------------------

    def _fast_track(
        self, case_number: str, reason: str, reporter_role: str | None, started: float
    ) -> dict[str, Any]:
        """Hide every reported item that qualifies, at once."""
        with self.db.connect() as conn:
            rows = conn.execute(
                select(case_items).where(
                    case_items.c.case_number == case_number, case_items.c.item_id.is_not(None)
                )
            ).all()
        hidden = 0
        why_any: list[str] = []
        minor = False
        for row in rows:
            if row.state != "visible":
                continue
            why, automated, is_minor = self._fast_track_reason(row, reason, reporter_role)
            if why is None:
                continue
            minor = minor or is_minor
            self._hide_item(case_number, row.item_id, why, automated, started)
            hidden += 1
            why_any.append(why)
        if hidden:
            with self.db.begin() as conn:
                conn.execute(
                    update(cases)
                    .where(cases.c.case_number == case_number)
                    .values(
                        fast_tracked=True, fast_track_reason="; ".join(sorted(set(why_any)))[:200]
                    )
                )
        if minor or reason == "child_sexual_abuse":
            self._escalate(case_number, "system", "possible minor" if minor else reason)
        return {"hidden": hidden}

    def _fast_track_reason(
        self, row: Any, reason: str, reporter_role: str | None
    ) -> tuple[str | None, bool, bool]:
        """(why, automated detection?, minor?) or (None, ...) to leave it visible."""
        if reason == "child_sexual_abuse":
            return "reported as child sexual abuse material", False, True
        if reason in clk.NCII_REASONS and reporter_role in (
            "depicted_person",
            "acting_for_depicted_person",
        ):
            return "intimate image reported by the person depicted", False, False
        queries = []
        if row.pdq:
            item = self.platform.get_item(row.item_id)
            queries.append(MatchQuery("pdq", row.pdq, quality=item.quality))
        if row.md5:
            queries.append(MatchQuery("md5", row.md5))
        if queries:
            self.ensure_banks()
            for result in self.banks.match(queries):
                if result.matched:
                    return f"matches bank {result.matches[0].bank}", True, False
        if self.image_scorer is not None:
            try:
                scores = self.image_scorer(self.platform.content(row.item_id))
            except Exception:  # undecodable placeholder or analyser failure: a human decides
                return None, False, False
            nudity = scores.get("image.nudity", 0.0)
            person = max(scores.get("image.real_person_photo", 0.0), scores.get("image.face", 0.0))
            minor_risk = scores.get("image.minor_risk", 0.0)
            if nudity >= NUDITY_AT and minor_risk >= MINOR_AT:
                return "image analysis: sexual image, possible minor", True, True
            if nudity >= NUDITY_AT and person >= PERSON_AT:
                return "image analysis: sexual image of a real person", True, False
        return None, False, False

    def _hide_item(
        self,
        case_number: str,
        item_id: str,
        why: str,
        automated: bool,
        started: float | None,
        actor: str = "system",
    ) -> None:
        self.platform.hide(item_id, why)
        now = self.clock()
        elapsed_ms = (time.perf_counter() - started) * 1000.0 if started is not None else None
        with self.db.begin() as conn:
            row = self._row(conn, case_number)
            conn.execute(
                update(case_items)
                .where(case_items.c.case_number == case_number, case_items.c.item_id == item_id)
                .values(state="hidden", hidden_at=now)
            )
            values: dict[str, Any] = {}
            if row.first_inaccessible_at is None:
                values["first_inaccessible_at"] = now
            self._meet(conn, row, ["inaccessible"], now, **values)
            self._event(
                conn,
                case_number,
                "hidden",
                actor,
                {
                    "item_id": item_id,
                    "why": why,
                    "automated_detection": automated,
                    "report_to_inaccessible_ms": round(elapsed_ms, 2)
                    if elapsed_ms is not None
                    else None,
                },
                now,
            )
        self._ledger(
            "hidden",
            {
                "item_id": item_id,
                "why": why,
                "by": actor,
                "report_to_inaccessible_ms": round(elapsed_ms, 2)
                if elapsed_ms is not None
                else None,
            },
            case_number,
        )

    def _hide_hash_matches(
        self, case_number: str, hashes: Sequence[HashEntry], started: float
    ) -> int:
        """Hide platform items matching survivor hashes and attach them to the case."""
        distance = self._match_distance()
        found: dict[str, Copy] = {}
        for h in hashes:
            for copy in self.platform.find_copies(
                pdq=h.value if h.signal_type == "pdq" else None,
                md5=h.value if h.signal_type == "md5" else None,
                sha256=None,
                max_distance=distance,
            ):
                found.setdefault(copy.item.item_id, copy)
        with self.db.connect() as conn:
            known = {
                r.item_id
                for r in conn.execute(
                    select(case_items.c.item_id).where(case_items.c.case_number == case_number)
                )
            }
        new = [c for c in found.values() if c.item.item_id not in known]
        if new:
            with self.db.begin() as conn:
                conn.execute(
                    case_items.insert(),
                    [
                        {
                            "case_number": case_number,
                            "item_id": c.item.item_id,
                            "location": c.item.item_id,
                            "role": "match",
                            "account": c.item.account,
                            "pdq": c.item.pdq,
                            "md5": c.item.md5,
                            "sha256": c.item.sha256,
                            "distance": c.distance,
                            "state": c.item.state,
                        }
                        for c in new
                    ],
                )
        for c in new:
            if c.item.state == "visible":
                self._hide_item(
                    case_number, c.item.item_id, "matches a survivor's hash", True, started
                )
        if new:
            with self.db.begin() as conn:
                conn.execute(
                    update(cases)
                    .where(cases.c.case_number == case_number)
                    .values(fast_tracked=True)
                )
        return len(found)

    # -- survivor hashes --------------------------------------------------------

    def _add_survivor_hashes(self, case_number: str, hashes: Sequence[HashEntry]) -> int:
        self.ensure_banks()
        entries = [
            HashEntry(
                h.signal_type, h.value, case_numbers=(case_number,), quality=h.quality, line=h.line
            )
            for h in hashes
        ]
        report = self.banks.add_hashes(
            SURVIVOR_BANK, entries, added_by=case_number, source="survivor"
        )
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                case_hashes.insert(),
                [
                    {
                        "case_number": case_number,
                        "bank": SURVIVOR_BANK,
                        "signal_type": h.signal_type,
                        "value": h.value,
                        "status": "active",
                        "added_at": now,
                    }
                    for h in hashes
                ],
            )
            self._event(conn, case_number, "hashes_added", "reporter", {"count": len(hashes)}, now)
        return report.added + report.revived + report.duplicates

    def submit_survivor_hashes(
        self,
        hashes: Sequence[Any],
        *,
        case_number: str | None = None,
        pin: str | None = None,
        country: str | None = None,
        language: str = "en",
    ) -> dict[str, Any]:
        """On-device hashes (StopNCII style): bank them, find and hide copies."""
        started = time.perf_counter()
        errors: list[dict[str, str]] = []
        checked = self._checked_hashes(
            list(hashes) if isinstance(hashes, list | tuple) else hashes, errors
        )
        if not checked and not errors:
            errors.append(_problem("body.hashes", "send at least one hash"))
        if language not in LANGUAGES:
            errors.append(_problem("body.language", f"choose one of: {', '.join(LANGUAGES)}"))
        if errors:
            raise CaseInputError(errors)
        new_pin = None
        if case_number:
            self.verify_pin(case_number, pin or "")
        else:
            created = self._new_case(
                source="survivor_hashes",
                reason="intimate_image_of_me",
                reporter_role="depicted_person",
                country=country,
                language=language,
                good_faith=True,
            )
            case_number, new_pin = created["case_number"], created["pin"]
        added = self._add_survivor_hashes(case_number, checked)
        matches = self._hide_hash_matches(case_number, checked, started)
        self._ledger("hashes_added", {"count": added, "matches": matches}, case_number)
        out: dict[str, Any] = {
            "case_number": case_number,
            "hashes_added": added,
            "matches_found": matches,
        }
        if new_pin:
            out["pin"] = new_pin
            out["support"] = support_for(country)
        return out

    # -- reporter views ---------------------------------------------------------

    def status(self, case_number: str, pin: str) -> dict[str, Any]:
        row = self.verify_pin(case_number, pin)
        with self.db.connect() as conn:
            events = conn.execute(
                select(case_events.c.at, case_events.c.event)
                .where(case_events.c.case_number == case_number)
                .order_by(case_events.c.id)
            ).all()
            notice = conn.execute(
                select(case_notices.c.text)
                .where(
                    case_notices.c.case_number == case_number,
                    case_notices.c.recipient == "reporter",
                )
                .order_by(case_notices.c.id.desc())
            ).first()
        shown = {
            "received",
            "acknowledged",
            "hidden",
            "removed",
            "dismissed",
            "restored",
            "appeal_filed",
            "appeal_decided",
            "withdrawn",
            "hashes_added",
            "escalated",
        }
        self._ledger("status_viewed", {}, case_number)
        return {
            "case_number": case_number,
            "status": row.status,
            "timeline": [
                {"at": _aware(e.at).isoformat(), "event": e.event}  # type: ignore[union-attr]
                for e in events
                if e.event in shown
            ],
            "outcome": row.outcome,
            "notice": notice.text if notice else None,
            "can_appeal": row.status == "decided" and row.source == "report",
            "support": support_for(row.country),
        }

    def withdraw(self, case_number: str, pin: str) -> dict[str, Any]:
        """The survivor withdraws: their hashes are purged from the bank now."""
        row = self.verify_pin(case_number, pin)
        if row.status == "withdrawn":
            return {"case_number": case_number, "status": "withdrawn", "hashes_purged": 0}
        purged = self._withdraw_hashes(case_number, SURVIVOR_BANK, "withdrawn by the survivor")
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.case_number == case_number)
                .values(status="withdrawn", next_deadline_at=None, updated_at=now)
            )
            self._event(conn, case_number, "withdrawn", "reporter", {"hashes_purged": purged}, now)
        self._ledger("withdrawn", {"hashes_purged": purged}, case_number)
        return {"case_number": case_number, "status": "withdrawn", "hashes_purged": purged}

    def _withdraw_hashes(self, case_number: str, bank: str, reason: str) -> int:
        with self.db.connect() as conn:
            rows = conn.execute(
                select(case_hashes).where(
                    case_hashes.c.case_number == case_number,
                    case_hashes.c.bank == bank,
                    case_hashes.c.status == "active",
                )
            ).all()
        purged = 0
        for r in rows:
            try:
                self.banks.withdraw(bank, r.signal_type, r.value, reason=reason)
                purged += 1
            except BankError:
                pass  # already purged (another case held the same hash)
        now = self.clock()
        with self.db.begin() as conn:
            conn.execute(
                update(case_hashes)
                .where(case_hashes.c.id.in_([r.id for r in rows]))
                .values(status="withdrawn", value=None, withdrawn_at=now)
            )
        return purged

    # -- moderator actions ------------------------------------------------------

    def act(
        self,
        case_number: str,
        action: str,
        actor: str,
        *,
        policy_category: str | None = None,
        reason: str = "",
        note: str = "",
    ) -> dict[str, Any]:
        if action not in ACTIONS:
            raise CaseInputError([_problem("body.action", f"choose one of: {', '.join(ACTIONS)}")])
        if policy_category is not None and policy_category not in self.policy.categories:
            raise CaseInputError(
                [
                    _problem(
                        "body.policy_category",
                        f"unknown category; choose one of: {', '.join(sorted(self.policy.categories))}",
                    )
                ]
            )
        with self.db.connect() as conn:
            row = self._row(conn, case_number)
        if action == "note":
            if not note.strip():
                raise CaseInputError([_problem("body.note", "write the note")])
            now = self.clock()
            with self.db.begin() as conn:
                conn.execute(
                    case_notes.insert().values(
                        case_number=case_number,
                        at=now,
                        author=actor,
                        text_ct=self._enc(note[:5000]),
                    )
                )
                self._event(conn, case_number, "note", actor, {}, now)
            self._ledger("note", {"by": actor}, case_number)
            return self.view(case_number)
        if row.status in ("withdrawn",):
            raise CaseConflict("the reporter withdrew this case")
        if action == "hide":
            for item in self._items(case_number, roles=("reported", "match")):
                if item.state == "visible":
                    self._hide_item(
                        case_number,
                        item.item_id,
                        reason or "hidden pending review",
                        False,
                        None,
                        actor,
                    )
            with self.db.begin() as conn:
                self._meet(conn, self._row(conn, case_number), ["assessed"], self.clock())
        elif action == "escalate_child_safety":
            self._escalate(case_number, actor, reason or "escalated by a moderator")
            for item in self._items(case_number, roles=("reported", "match")):
                if item.state == "visible":
                    self._hide_item(
                        case_number, item.item_id, "child-safety escalation", False, None, actor
                    )
        elif action == "remove":
            if row.status not in ("received",):
                raise CaseConflict(f"the case is {row.status}; decide appeals with appeal-decision")
            self._takedown(case_number, actor, policy_category or row.policy_category, reason)
        elif action in ("restore", "dismiss"):
            if row.status not in ("received",):
                raise CaseConflict(f"the case is {row.status}; decide appeals with appeal-decision")
            self._dismiss(case_number, actor, reason)
        return self.view(case_number)

    def _items(
        self, case_number: str, roles: Sequence[str] = ("reported", "match", "copy")
    ) -> list[Any]:
        with self.db.connect() as conn:
            return list(
                conn.execute(
                    select(case_items)
                    .where(
                        case_items.c.case_number == case_number,
                        case_items.c.item_id.is_not(None),
                        case_items.c.role.in_(roles),
                    )
                    .order_by(case_items.c.id)
                ).all()
            )

    def _escalate(self, case_number: str, actor: str, why: str) -> None:
        now = self.clock()
        with self.db.begin() as conn:
            row = self._row(conn, case_number)
            clocks = self._clocks(row)
            lengths = clk.clock_lengths(self.policy, row.jurisdiction)
            if "priority_inaccessible" not in clocks and "priority_inaccessible" in lengths:
                window = clk.parse_duration(lengths["priority_inaccessible"])
                created: datetime = _aware(row.created_at)  # type: ignore[assignment]
                clocks["priority_inaccessible"] = clk.ClockState(
                    "priority_inaccessible",
                    created,
                    created + window,
                    _aware(row.first_inaccessible_at),
                )
            self._save_clocks(
                conn,
                case_number,
                clocks,
                queue="child_safety",
                severity=SEVERITY_RANK["critical"],
                policy_category="minor_sexualisation",
            )
            self._event(
                conn, case_number, "escalated", actor, {"to": "child_safety", "why": why}, now
            )
        self._ledger("escalated", {"to": "child_safety", "by": actor}, case_number)
        for item in self._items(case_number, roles=("reported", "match")):
            self._preserve(case_number, item.item_id, item.account)

    def _category(self, name: str | None) -> tuple[str, Any]:
        name = name if name in self.policy.categories else "sexualised_real_person"
        assert name is not None
        return name, self.policy.categories[name]

    def _statement(
        self,
        row: Any,
        item: PlatformItem,
        category_name: str,
        *,
        action: str,
        copy_distance: int | None,
        automated_decision: str,
        now: datetime,
    ) -> dict[str, Any]:
        _, category = self._category(category_name)
        jur = self.policy.jurisdictions.get(row.jurisdiction)
        legal = (jur.legal_grounds.get(category_name) if jur else None) or (
            f"{category.title}: prohibited by the platform's rules (policy {self.policy.version}) "
            "and unlawful in many jurisdictions"
        )
        scope: tuple[str, ...] = ()
        if row.jurisdiction == "EU":
            scope = tuple(sorted(EEA_COUNTRIES))
        elif row.country in EEA_COUNTRIES:
            scope = (row.country,)
        facts = (
            f"Reported in notice {row.case_number} ({row.reason.replace('_', ' ')})."
            if copy_distance is None
            else f"Copy of the image removed in case {row.case_number}, found by hash matching "
            f"({'identical or visually identical' if copy_distance == 0 else f'PDQ distance {copy_distance}'})."
        )
        statement = statement_of_reasons(
            DecisionFacts(
                puid=re.sub(r"[^A-Za-z0-9\-_]", "-", f"{row.case_number}-{item.item_id}")[:500],
                action=action,
                category=category.dsa.category,
                keywords=tuple(category.dsa.keywords),
                decision_ground=category.dsa.decision_ground,
                legal_ground=legal,
                explanation=" ".join(category.description.split()),
                content_date=item.created_at.date(),
                application_date=now.date(),
                source_type="SOURCE_ARTICLE_16"
                if copy_distance is None and row.source == "report"
                else "SOURCE_VOLUNTARY",
                automated_detection=copy_distance is not None or row.source != "report",
                automated_decision=automated_decision,
                facts=facts,
                synthetic=row.reason == "sexual_deepfake_of_me",
                territorial_scope=scope,
            )
        )
        problems = validate_statement(statement)
        if problems:  # a bug in the policy mapping, never the user's fault
            raise ValueError(f"statement of reasons is invalid: {problems}")
        return statement

    def _notice(
        self,
        conn: Connection,
        *,
        case_number: str,
        recipient: str,
        account: str | None,
        kind: str,
        language: str,
        text: str,
        statement: dict[str, Any] | None,
        now: datetime,
    ) -> str:
        notice_id = "ntc_" + secrets.token_hex(8)
        conn.execute(
            case_notices.insert().values(
                notice_id=notice_id,
                case_number=case_number,
                at=now,
                recipient=recipient,
                account=account,
                kind=kind,
                language=language,
                text=text,
                statement=json.dumps(statement) if statement else None,
            )
        )
        return notice_id

    def _notify_uploader(
        self, row: Any, item: PlatformItem, statement: dict[str, Any], kind: str, now: datetime
    ) -> None:
        if row.queue == "child_safety":
            # Not told while a child-safety referral may be under way; recorded instead.
            with self.db.begin() as conn:
                self._event(
                    conn,
                    row.case_number,
                    "notice_withheld",
                    "system",
                    {"item_id": item.item_id, "why": "child-safety referral"},
                    now,
                )
            return
        _, category = self._category(row.policy_category)
        text = uploader_notice(statement, item.item_id, "en", category.title)
        with self.db.begin() as conn:
            notice_id = self._notice(
                conn,
                case_number=row.case_number,
                recipient="uploader",
                account=item.account,
                kind=kind,
                language="en",
                text=text,
                statement=statement,
                now=now,
            )
        self.platform.notify(
            item.account,
            {
                "notice_id": notice_id,
                "kind": kind,
                "item_id": item.item_id,
                "text": text,
                "statement_of_reasons": statement,
            },
        )
        self._ledger(
            "notice_sent",
            {
                "notice_id": notice_id,
                "recipient": "uploader",
                "kind": kind,
                "item_id": item.item_id,
            },
            row.case_number,
        )

    def _notify_reporter(self, case_number: str, outcome: str, copies: int, now: datetime) -> None:
        with self.db.begin() as conn:
            row = self._row(conn, case_number)
            text = reporter_notice(case_number, outcome, row.language, copies)
            notice_id = self._notice(
                conn,
                case_number=case_number,
                recipient="reporter",
                account=None,
                kind="outcome",
                language=row.language,
                text=text,
                statement=None,
                now=now,
            )
        self._ledger(
            "notice_sent",
            {
                "notice_id": notice_id,
                "recipient": "reporter",
                "kind": "outcome",
                "outcome": outcome,
            },
            case_number,
        )

    def _takedown(
        self, case_number: str, actor: str, category: str | None, reason: str
    ) -> dict[str, Any]:
        """Delete the reported items and every copy; bank the hashes; notify."""
        self.ensure_banks()
        distance = self._match_distance()
        now = self.clock()
        category_name, _ = self._category(category)
        with self.db.begin() as conn:
            conn.execute(
                update(cases)
                .where(cases.c.case_number == case_number)
                .values(policy_category=category_name)
            )
            row = self._row(conn, case_number)
        targets = self._items(case_number, roles=("reported", "match"))
        removed: dict[str, tuple[PlatformItem, int | None]] = {}
        bank_entries: dict[tuple[str, str], HashEntry] = {}
        for target in targets:
            item = self.platform.get_item(target.item_id)
            removed.setdefault(item.item_id, (item, None))
            usable_pdq = (
                item.pdq if item.pdq and (item.quality is None or item.quality >= 50) else None
            )
            for copy in self.platform.find_copies(
                pdq=usable_pdq, md5=item.md5, sha256=item.sha256, max_distance=distance
            ):
                if copy.item.item_id not in removed:
                    removed[copy.item.item_id] = (copy.item, copy.distance)
            if usable_pdq:
                bank_entries[("pdq", usable_pdq)] = HashEntry(
                    "pdq", usable_pdq, case_numbers=(case_number,), quality=item.quality
                )
            bank_entries[("md5", item.md5)] = HashEntry(
                "md5", item.md5, case_numbers=(case_number,)
            )
        # survivor hashes attached to the case find copies too
        with self.db.connect() as conn:
            for h in conn.execute(
                select(case_hashes).where(
                    case_hashes.c.case_number == case_number,
                    case_hashes.c.bank == SURVIVOR_BANK,
                    case_hashes.c.status == "active",
                )
            ).all():
                for copy in self.platform.find_copies(
                    pdq=h.value if h.signal_type == "pdq" else None,
                    md5=h.value if h.signal_type == "md5" else None,
                    sha256=None,
                    max_distance=distance,
                ):
                    removed.setdefault(copy.item.item_id, (copy.item, copy.distance))
        for item_id, (item, _) in removed.items():
            if item.state != "deleted":
                self.platform.delete(item_id, f"removed in case {case_number}")
        if bank_entries:
            self.banks.add_hashes(
                TAKEDOWN_BANK, list(bank_entries.values()), added_by=actor, source="takedown"
            )
        with self.db.begin() as conn:
            known = {
                r.item_id
                for r in conn.execute(
                    select(case_items.c.item_id).where(case_items.c.case_number == case_number)
                )
            }
            fresh = [
                {
                    "case_number": case_number,
                    "item_id": item.item_id,
                    "location": item.item_id,
                    "role": "copy",
                    "account": item.account,
                    "pdq": item.pdq,
                    "md5": item.md5,
                    "sha256": item.sha256,
                    "distance": dist,
                    "state": "deleted",
                    "removed_at": now,
                }
                for item, dist in removed.values()
                if item.item_id not in known
            ]
            if fresh:
                conn.execute(case_items.insert(), fresh)
            conn.execute(
                update(case_items)
                .where(
                    case_items.c.case_number == case_number, case_items.c.item_id.in_(list(removed))
                )
                .values(state="deleted", removed_at=now)
            )
            conn.execute(
                case_hashes.insert(),
                [
                    {
                        "case_number": case_number,
                        "bank": TAKEDOWN_BANK,
                        "signal_type": e.signal_type,
                        "value": e.value,
                        "status": "active",
                        "added_at": now,
                    }
                    for e in bank_entries.values()
                ],
            ) if bank_entries else None
            values: dict[str, Any] = {
                "status": "decided",
                "outcome": "removed",
                "decided_at": now,
                "decided_by": actor,
            }
            if row.first_inaccessible_at is None:
                values["first_inaccessible_at"] = now
            self._meet(conn, row, ["assessed", "inaccessible", "decided"], now, **values)
            self._event(
                conn,
                case_number,
                "removed",
                actor,
                {
                    "items": len(removed),
                    "copies": len(removed) - len(targets),
                    "category": category_name,
                    "reason": reason[:500],
                },
                now,
            )
        row = self._fresh(case_number)
        for item, dist in removed.values():
            statement = self._statement(
                row,
                item,
                category_name,
                action="remove",
                copy_distance=dist,
                automated_decision="AUTOMATED_DECISION_NOT_AUTOMATED"
                if dist is None
                else "AUTOMATED_DECISION_PARTIALLY",
                now=now,
            )
            self._notify_uploader(row, item, statement, "statement_of_reasons", now)
        copies = len(removed) - len(targets)
        self._notify_reporter(case_number, "removed", copies, now)
        self._ledger(
            "removed",
            {
                "by": actor,
                "items": len(removed),
                "copies": copies,
                "category": category_name,
                "hashes_banked": len(bank_entries),
            },
            case_number,
        )
        return {"removed": len(removed), "copies": copies}

    def _fresh(self, case_number: str) -> Any:
        with self.db.connect() as conn:
            return self._row(conn, case_number)

    def _dismiss(self, case_number: str, actor: str, reason: str) -> None:
        now = self.clock()
        restored = 0
        for item in self._items(case_number):
            if item.state in ("hidden", "deleted"):
                self.platform.restore(item.item_id)
                restored += 1
        with self.db.begin() as conn:
            row = self._row(conn, case_number)
            conn.execute(
                update(case_items)
                .where(
                    case_items.c.case_number == case_number,
                    case_items.c.state.in_(("hidden", "deleted")),
                )
                .values(state="visible", restored_at=now)
            )
            self._meet(
                conn,
                row,
                ["assessed", "decided"],
                now,
                status="decided",
                outcome="dismissed",
                decided_at=now,
                decided_by=actor,
            )
            self._event(
                conn,
                case_number,
                "dismissed",
                actor,
                {"restored": restored, "reason": reason[:500]},
                now,
            )
        self._notify_reporter(case_number, "dismissed", 0, now)
        self._ledger("dismissed", {"by": actor, "restored": restored}, case_number)

    # -- appeals ----------------------------------------------------------------

    def appeal_as_reporter(self, case_number: str, pin: str, explanation: str) -> dict[str, Any]:
        row = self.verify_pin(case_number, pin)
        return self._file_appeal(row, "reporter", None, None, explanation)

    def appeal_as_uploader(self, item_id: str, account: str, explanation: str) -> dict[str, Any]:
        with self.db.connect() as conn:
            found = conn.execute(
                select(case_items.c.case_number)
                .where(case_items.c.item_id == item_id, case_items.c.account == account)
                .order_by(case_items.c.id.desc())
            ).first()
            row = self._row(conn, found.case_number) if found else None
        if row is None:
            raise CaseNotFound("no decision about that item for that account")
        return self._file_appeal(row, "uploader", account, item_id, explanation)

    def _file_appeal(
        self, row: Any, appellant: str, account: str | None, item_id: str | None, explanation: str
    ) -> dict[str, Any]:
        if not isinstance(explanation, str) or not explanation.strip() or len(explanation) > 5000:
            raise CaseInputError(
                [_problem("body.explanation", "say why the decision is wrong (1-5000 characters)")]
            )
        if row.status != "decided":
            raise CaseConflict(
                "this case has no decision to appeal yet"
                if row.status == "received"
                else f"this case cannot be appealed now (it is {row.status})"
            )
        now = self.clock()
        appeal_id = "apl_" + secrets.token_hex(8)
        lengths = clk.clock_lengths(self.policy, row.jurisdiction)
        window = clk.parse_duration(
            lengths.get("inquiry_answer", clk.STRICT_DEFAULTS["inquiry_answer"])
        )
        with self.db.begin() as conn:
            conn.execute(
                case_appeals.insert().values(
                    appeal_id=appeal_id,
                    case_number=row.case_number,
                    at=now,
                    appellant=appellant,
                    account=account,
                    item_id=item_id,
                    explanation_ct=self._enc(explanation.strip()),
                    status="open",
                )
            )
            clocks = self._clocks(row)
            clocks["inquiry_answer"] = clk.ClockState("inquiry_answer", now, now + window, None)
            self._save_clocks(conn, row.case_number, clocks, status="appealed")
            self._event(
                conn, row.case_number, "appeal_filed", appellant, {"appeal_id": appeal_id}, now
            )
        self._ledger(
            "appeal_filed", {"appeal_id": appeal_id, "appellant": appellant}, row.case_number
        )
        return {
            "appeal_id": appeal_id,
            "case_number": row.case_number,
            "status": "appealed",
            "answer_due_at": (now + window).isoformat(),
        }

    def decide_appeal(
        self, case_number: str, outcome: str, reason: str, actor: str
    ) -> dict[str, Any]:
        if outcome not in ("upheld", "overturned"):
            raise CaseInputError([_problem("body.outcome", "choose upheld or overturned")])
        with self.db.connect() as conn:
            row = self._row(conn, case_number)
            appeal = conn.execute(
                select(case_appeals).where(
                    case_appeals.c.case_number == case_number, case_appeals.c.status == "open"
                )
            ).first()
        if appeal is None or row.status != "appealed":
            raise CaseConflict("this case has no open appeal")
        if actor == row.decided_by:
            raise CaseConflict(
                "a different moderator must decide this appeal: you made the decision under appeal"
            )
        now = self.clock()
        previous = row.outcome
        with self.db.begin() as conn:
            conn.execute(
                update(case_appeals)
                .where(case_appeals.c.id == appeal.id)
                .values(status=outcome, decided_by=actor, decided_at=now, reason=reason[:2000])
            )
            self._meet(conn, row, ["appeal_decided"], now, status="decided")
            self._event(
                conn,
                case_number,
                "appeal_decided",
                actor,
                {"appeal_id": appeal.appeal_id, "outcome": outcome},
                now,
            )
        result: dict[str, Any] = {"case_number": case_number, "outcome": outcome}
        if outcome == "overturned" and previous == "removed":
            result.update(self._reverse(case_number, actor, now))
        elif outcome == "overturned" and previous == "dismissed":
            with self.db.begin() as conn:
                conn.execute(
                    update(cases)
                    .where(cases.c.case_number == case_number)
                    .values(status="received")
                )
            result.update(self._takedown(case_number, actor, row.policy_category, reason))
        else:
            self._notify_reporter(case_number, previous or "dismissed", 0, now)
            for item in self._items(case_number):
                if appeal.appellant == "uploader" and item.item_id == appeal.item_id:
                    with self.db.begin() as conn:
                        self._notice(
                            conn,
                            case_number=case_number,
                            recipient="uploader",
                            account=item.account,
                            kind="appeal_outcome",
                            language="en",
                            text=f"Your appeal about {item.item_id} was reviewed by another "
                            "moderator; the decision stands.",
                            statement=None,
                            now=now,
                        )
                    self.platform.notify(
                        item.account,
                        {
                            "kind": "appeal_outcome",
                            "item_id": item.item_id,
                            "text": "Your appeal was reviewed; the decision stands.",
                        },
                    )
        self._ledger(
            "appeal_decided",
            {"appeal_id": appeal.appeal_id, "outcome": outcome, "by": actor},
            case_number,
        )
        return result

    def _reverse(self, case_number: str, actor: str, now: datetime) -> dict[str, Any]:
        """Undo a takedown: restore every item, withdraw the banked hashes."""
        restored = []
        for item in self._items(case_number):
            if item.state in ("deleted", "hidden"):
                self.platform.restore(item.item_id)
                restored.append(item)
        withdrawn = self._withdraw_hashes(
            case_number, TAKEDOWN_BANK, f"appeal overturned in {case_number}"
        )
        with self.db.begin() as conn:
            conn.execute(
                update(case_items)
                .where(
                    case_items.c.case_number == case_number,
                    case_items.c.state.in_(("hidden", "deleted")),
                )
                .values(state="visible", restored_at=now)
            )
            conn.execute(
                update(cases)
                .where(cases.c.case_number == case_number)
                .values(outcome="restored", updated_at=now)
            )
            self._event(
                conn,
                case_number,
                "restored",
                actor,
                {"items": len(restored), "hashes_withdrawn": withdrawn},
                now,
            )
        for item in restored:
            text = "\n".join(
                [
                    f"Your post {item.item_id} has been restored after an appeal.",
                    "Another moderator reviewed the decision and reversed it.",
                ]
            )
            with self.db.begin() as conn:
                self._notice(
                    conn,
                    case_number=case_number,
                    recipient="uploader",
                    account=item.account,
                    kind="restored",
                    language="en",
                    text=text,
                    statement=None,
                    now=now,
                )
            self.platform.notify(
                item.account, {"kind": "restored", "item_id": item.item_id, "text": text}
            )
        self._notify_reporter(case_number, "restored", 0, now)
        self._ledger(
            "restored",
            {"by": actor, "items": len(restored), "hashes_withdrawn": withdrawn},
            case_number,
        )
        return {"restored": len(restored), "hashes_withdrawn": withdrawn}

    # -- clocks and queues ------------------------------------------------------

    def check_clocks(self, now: datetime | None = None) -> list[Breach]:
        """Record every clock that ran out unmet since the last check."""
        now = now or self.clock()
        with self.db.connect() as conn:
            rows = conn.execute(
                select(cases).where(
                    cases.c.next_deadline_at <= now,
                    cases.c.status.in_(OPEN_STATUSES + ("decided",)),
                )
            ).all()
            recorded = (
                {
                    (b.case_number, b.clock)
                    for b in conn.execute(
                        select(case_breaches.c.case_number, case_breaches.c.clock).where(
                            case_breaches.c.case_number.in_([r.case_number for r in rows])
                        )
                    )
                }
                if rows
                else set()
            )
        breaches = []
        for row in rows:
            for name, state in self._clocks(row).items():
                if (
                    state.met_at is None
                    and state.due_at < now
                    and (row.case_number, name) not in recorded
                ):
                    breaches.append(Breach(row.case_number, name, state.due_at))
        if breaches:
            with self.db.begin() as conn:
                conn.execute(
                    case_breaches.insert(),
                    [
                        {
                            "case_number": b.case_number,
                            "clock": b.clock,
                            "due_at": b.due_at,
                            "recorded_at": now,
                        }
                        for b in breaches
                    ],
                )
                for b in breaches:
                    self._event(
                        conn,
                        b.case_number,
                        "clock_breached",
                        "system",
                        {"clock": b.clock, "due_at": b.due_at.isoformat()},
                        now,
                    )
            if self.ledger is not None:
                self.ledger.append_many(
                    [
                        (
                            "case.clock_breach",
                            {"clock": b.clock, "due_at": b.due_at.isoformat()},
                            b.case_number,
                        )
                        for b in breaches
                    ]
                )
        return breaches

    def list_queue(
        self, queue: str = "open", now: datetime | None = None, limit: int = 200
    ) -> list[dict[str, Any]]:
        if queue not in QUEUES:
            raise CaseInputError([_problem("query.queue", f"choose one of: {', '.join(QUEUES)}")])
        now = now or self.clock()
        if queue == "child_safety":
            self.sync_gate_escalations()
        self.check_clocks(now)
        stmt = select(cases)
        if queue == "open":
            stmt = stmt.where(cases.c.queue == "open", cases.c.status == "received")
        elif queue == "child_safety":
            stmt = stmt.where(cases.c.queue == "child_safety", cases.c.status.in_(OPEN_STATUSES))
        elif queue == "appeals":
            stmt = stmt.where(cases.c.status == "appealed")
        else:
            stmt = stmt.where(
                cases.c.status.in_(OPEN_STATUSES),
                cases.c.case_number.in_(select(case_breaches.c.case_number)),
            )
        stmt = stmt.order_by(
            cases.c.severity.desc(),
            cases.c.next_deadline_at.is_(None),
            cases.c.next_deadline_at,
            cases.c.created_at,
        ).limit(limit)
        with self.db.connect() as conn:
            rows = conn.execute(stmt).all()
        return [self._summary(r, now) for r in rows]

    def _summary(self, row: Any, now: datetime) -> dict[str, Any]:
        clocks = {n: c.to_dict(now) for n, c in self._clocks(row).items()}
        nd = _aware(row.next_deadline_at)
        return {
            "case_number": row.case_number,
            "reason": row.reason,
            "queue": row.queue,
            "status": row.status,
            "severity": SEVERITY_NAME.get(row.severity, "medium"),
            "jurisdiction": row.jurisdiction,
            "created_at": _aware(row.created_at).isoformat(),  # type: ignore[union-attr]
            "next_deadline_at": nd.isoformat() if nd else None,
            "due_soon": any(c["due_soon"] for c in clocks.values()),
            "breached": any(c["breached"] for c in clocks.values()),
            "fast_tracked": bool(row.fast_tracked),
            "clocks": clocks,
        }

    def view(self, case_number: str, *, include_contact: bool = False) -> dict[str, Any]:
        now = self.clock()
        with self.db.connect() as conn:
            row = self._row(conn, case_number)
            items = conn.execute(
                select(case_items)
                .where(case_items.c.case_number == case_number)
                .order_by(case_items.c.id)
            ).all()
            events = conn.execute(
                select(case_events)
                .where(case_events.c.case_number == case_number)
                .order_by(case_events.c.id)
            ).all()
            notes = conn.execute(
                select(case_notes)
                .where(case_notes.c.case_number == case_number)
                .order_by(case_notes.c.id)
            ).all()
            appeals = conn.execute(
                select(case_appeals)
                .where(case_appeals.c.case_number == case_number)
                .order_by(case_appeals.c.id)
            ).all()
            notices = conn.execute(
                select(case_notices)
                .where(case_notices.c.case_number == case_number)
                .order_by(case_notices.c.id)
            ).all()
        out = self._summary(row, now)
        out.update(
            {
                "source": row.source,
                "reporter_role": row.reporter_role,
                "country": row.country,
                "language": row.language,
                "policy_category": row.policy_category,
                "outcome": row.outcome,
                "decided_by": row.decided_by,
                "fast_track_reason": row.fast_track_reason,
                "report": {
                    "explanation": self._dec(row.explanation_ct),
                    "good_faith": bool(row.good_faith),
                    "signed": row.signature_ct is not None,
                    "contact_given": row.email_ct is not None,
                },
                "items": [
                    {
                        "item_id": i.item_id,
                        "location": i.location,
                        "role": i.role,
                        "state": i.state,
                        "distance": i.distance,
                        "pdq": i.pdq,
                        "md5": i.md5,
                        "hidden_at": _iso(i.hidden_at),
                        "removed_at": _iso(i.removed_at),
                        "restored_at": _iso(i.restored_at),
                    }
                    for i in items
                ],
                "history": [
                    {
                        "at": _iso(e.at),
                        "actor": e.actor,
                        "event": e.event,
                        "payload": json.loads(e.payload),
                    }
                    for e in events
                ],
                "notes": [
                    {"at": _iso(n.at), "author": n.author, "text": self._dec(n.text_ct)}
                    for n in notes
                ],
                "appeals": [
                    {
                        "appeal_id": a.appeal_id,
                        "at": _iso(a.at),
                        "appellant": a.appellant,
                        "item_id": a.item_id,
                        "explanation": self._dec(a.explanation_ct),
                        "status": a.status,
                        "decided_by": a.decided_by,
                        "reason": a.reason,
                    }
                    for a in appeals
                ],
                "notices": [
                    {
                        "notice_id": n.notice_id,
                        "at": _iso(n.at),
                        "recipient": n.recipient,
                        "kind": n.kind,
                        "item_id": None,
                        "text": n.text,
                        "statement_of_reasons": json.loads(n.statement) if n.statement else None,
                    }
                    for n in notices
                ],
            }
        )
        if row.first_inaccessible_at is not None:
            out["report_to_inaccessible_seconds"] = (
                _aware(row.first_inaccessible_at) - _aware(row.created_at)  # type: ignore[operator]
            ).total_seconds()
        if include_contact:
            out["report"].update(
                {
                    "name": self._dec(row.name_ct),
                    "email": self._dec(row.email_ct),
                    "signature": self._dec(row.signature_ct),
                }
            )
        return out

    # -- child safety -----------------------------------------------------------

    def open_from_gate(self, decision_id: str, actor: str = "gate") -> str:
        """A child-safety case for a gate escalation (idempotent per decision)."""
        with self.db.connect() as conn:
            existing = conn.execute(
                select(cases.c.case_number).where(cases.c.decision_id == decision_id)
            ).scalar()
        if existing:
            return str(existing)
        payload: dict[str, Any] | None = None
        if self.ledger is not None:
            for entry in self.ledger.entries(
                kind="escalation.child_safety", subject_id=decision_id
            ):
                payload = dict(entry.payload)
                break
        if payload is None:
            raise CaseNotFound(f"no child-safety escalation recorded for decision {decision_id!r}")
        created = self._new_case(
            source="gate",
            reason="child_sexual_abuse",
            reporter_role=None,
            country=payload.get("jurisdiction"),
            language="en",
            good_faith=True,
            decision_id=decision_id,
            actor=actor,
            explanation=json.dumps(
                {
                    "gate_decision": decision_id,
                    "categories": payload.get("categories"),
                    "account": payload.get("account"),
                }
            ),
        )
        self._ledger(
            "received",
            {"source": "gate", "decision_id": decision_id, "queue": "child_safety"},
            created["case_number"],
        )
        return str(created["case_number"])

    def sync_gate_escalations(self) -> int:
        """Open cases for gate escalations that have none yet. Reads only ledger
        entries after the last one this process looked at."""
        if self.ledger is None:
            return 0
        head = self.ledger.head()
        upto = head.seq if head else 0
        if upto <= self._gate_seq:
            return 0
        with self.db.connect() as conn:
            have = {
                r[0]
                for r in conn.execute(
                    select(cases.c.decision_id).where(cases.c.decision_id.is_not(None))
                )
            }
        opened = 0
        for entry in self.ledger.entries(
            kind="escalation.child_safety", after_seq=self._gate_seq, upto_seq=upto
        ):
            if entry.subject_id and entry.subject_id not in have:
                self.open_from_gate(entry.subject_id)
                have.add(entry.subject_id)
                opened += 1
        self._gate_seq = upto
        return opened

    def _preserve(self, case_number: str, item_id: str | None, account: str | None) -> None:
        if item_id is None:
            return
        with self.db.connect() as conn:
            exists = conn.execute(
                select(case_preservations.c.id).where(
                    case_preservations.c.case_number == case_number,
                    case_preservations.c.item_id == item_id,
                )
            ).first()
        if exists:
            return
        try:
            item = self.platform.get_item(item_id)
            content = self.platform.content(item_id)
        except UnknownItem:
            return
        now = self.clock()
        days = PRESERVE_DAYS
        us = self.policy.jurisdictions.get("US")
        if us and "cybertip_preservation" in us.clocks:
            days = clk.parse_duration(us.clocks["cybertip_preservation"]).days
        with self.db.begin() as conn:
            conn.execute(
                case_preservations.insert().values(
                    case_number=case_number,
                    item_id=item_id,
                    created_at=now,
                    delete_after=now + timedelta(days=days),
                    md5=item.md5,
                    sha256=item.sha256,
                    pdq=item.pdq,
                    account=account or item.account,
                    media_ct=self._fernet.encrypt(content),
                )
            )
            self._event(
                conn, case_number, "preserved", "system", {"item_id": item_id, "days": days}, now
            )
        self._ledger(
            "evidence_preserved",
            {"item_id": item_id, "days": days, "sha256": item.sha256},
            case_number,
        )

    def cybertip_package(self, case_number: str, actor: str) -> dict[str, Any]:
        """A CyberTipline-style report (fields 18 U.S.C. 2258A(b) lists). The
        images are not in it: each file names where the preserved copy is."""
        with self.db.connect() as conn:
            row = self._row(conn, case_number)
            preserved = conn.execute(
                select(case_preservations)
                .where(case_preservations.c.case_number == case_number)
                .order_by(case_preservations.c.id)
            ).all()
            items = conn.execute(
                select(case_items).where(case_items.c.case_number == case_number)
            ).all()
        if row.queue != "child_safety":
            raise CaseConflict("only child-safety cases have a CyberTipline package")
        self._log_access(case_number, actor, "cybertip_package", None)
        by_item = {p.item_id: p for p in preserved}
        accounts = sorted({i.account for i in items if i.account})
        gate = (
            self.gate_evidence(row.decision_id)
            if (self.gate_evidence and row.decision_id)
            else None
        )
        files = []
        for i in items:
            if i.item_id is None:
                continue
            p = by_item.get(i.item_id)
            files.append(
                {
                    "item_id": i.item_id,
                    "location": i.location,
                    "account": i.account,
                    "hashes": {"md5": i.md5, "sha256": i.sha256, "pdq": i.pdq},
                    "publicly_available_at_report": i.role == "reported",
                    "state": i.state,
                    "preserved": {
                        "preservation_id": p.id,
                        "where": f"case_preservations id {p.id} (Fernet-encrypted; served by "
                        f"GET /v1/cases/{case_number}/media/{i.item_id} to moderators, access logged)",
                        "preserved_at": _iso(p.created_at),
                        "delete_after": _iso(p.delete_after),
                        "purged_at": _iso(p.purged_at),
                    }
                    if p
                    else None,
                }
            )
        explanation = self._dec(row.explanation_ct)
        return {
            "package": "CyberTipline-style report (18 U.S.C. 2258A)",
            "generated_at": self.clock().isoformat(),
            "case_number": case_number,
            "reporting_company": {
                "name": self.company,
                "point_of_contact": "trust-and-safety team",
            },
            "incident": {
                "type": "Child Pornography (possession, manufacture, and distribution)",
                "description": "Apparent child sexual abuse material reported on or detected by the platform",
                "date_time": _iso(row.created_at),
                "time_zone": "UTC",
                "source": row.source,
                "gate_decision_id": row.decision_id,
            },
            "reported_users": [
                {
                    "account": a,
                    "ip_address": None,
                    "ip_note": "the demo platform does not record upload IP addresses",
                }
                for a in accounts
            ],
            "files": files,
            "gate_image_hashes": gate.get("image_hashes") if gate else None,
            "communications": {"report_text": explanation},
            "reporter": {
                "role": row.reporter_role,
                "anonymous": row.email_ct is None,
                "name": self._dec(row.name_ct),
                "email": self._dec(row.email_ct),
            },
            "preservation": {
                "days": PRESERVE_DAYS,
                "basis": "18 U.S.C. 2258A(h): preserve the report's contents for 1 year",
            },
        }

    def media(self, case_number: str, item_id: str, actor: str) -> tuple[bytes, str]:
        """Item bytes for review: the preserved copy if any, else the platform's."""
        with self.db.connect() as conn:
            self._row(conn, case_number)
            held = conn.execute(
                select(case_items.c.id).where(
                    case_items.c.case_number == case_number, case_items.c.item_id == item_id
                )
            ).first()
            p = conn.execute(
                select(case_preservations).where(
                    case_preservations.c.case_number == case_number,
                    case_preservations.c.item_id == item_id,
                )
            ).first()
        if held is None:
            raise CaseNotFound(f"item {item_id!r} is not part of case {case_number}")
        self._log_access(case_number, actor, "media", item_id)
        if p is not None and p.media_ct is not None:
            return self._fernet.decrypt(bytes(p.media_ct)), "preserved"
        if p is not None and p.purged_at is not None:
            raise CaseNotFound("the preserved evidence was deleted when its retention ended")
        return self.platform.content(item_id), "platform"

    def _log_access(self, case_number: str, actor: str, what: str, item_id: str | None) -> None:
        now = self.clock()
        with self.db.begin() as conn:
            self._event(
                conn, case_number, "evidence_access", actor, {"what": what, "item_id": item_id}, now
            )
        self._ledger(
            "evidence_access", {"by": actor, "what": what, "item_id": item_id}, case_number
        )

    def purge_evidence(self, now: datetime | None = None) -> int:
        """Erase preserved media whose retention has ended (keeps the hashes record)."""
        now = now or self.clock()
        with self.db.begin() as conn:
            rows = conn.execute(
                select(case_preservations.c.id, case_preservations.c.case_number).where(
                    case_preservations.c.delete_after <= now,
                    case_preservations.c.purged_at.is_(None),
                )
            ).all()
            if rows:
                conn.execute(
                    update(case_preservations)
                    .where(case_preservations.c.id.in_([r.id for r in rows]))
                    .values(media_ct=None, purged_at=now)
                )
        for r in rows:
            self._ledger("evidence_purged", {"preservation_id": r.id}, r.case_number)
        return len(rows)

    def search(self, *, status: str | None = None) -> list[str]:
        stmt = select(cases.c.case_number).order_by(cases.c.id)
        if status:
            stmt = stmt.where(cases.c.status == status)
        with self.db.connect() as conn:
            return [r[0] for r in conn.execute(stmt)]


def _iso(value: datetime | None) -> str | None:
    value = _aware(value)
    return value.isoformat() if value else None
