"""``/v1/banks``: hash banks over HTTP. Admins manage banks; moderators (and
admins) add, import and withdraw hashes and review quarantined ones; clients
(image services) and moderators match."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, ConfigDict, Field

from perisai.api.problems import Problem
from perisai.api.security import require_role
from perisai.auth.keys import ApiKey
from perisai.banks.formats import HashEntry
from perisai.banks.models import BankError, BankKind, HashStatus, MatchQuery, Provenance
from perisai.banks.service import BankService
from perisai.banks.signals import get_signal_type

router = APIRouter(prefix="/v1/banks", tags=["banks"])

Admin = Annotated[ApiKey, Depends(require_role("admin"))]
Moderator = Annotated[ApiKey, Depends(require_role("moderator"))]
Matcher = Annotated[ApiKey, Depends(require_role("client", "moderator"))]

EXAMPLE_PDQ = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"
EXAMPLE_NEAR = "f8f8f0cee0f4a84f06370a2a038f63f0b36e26d596621e1d33e6b39c4e9c9b22"


def _service(request: Request) -> BankService:
    service: BankService = request.app.state.runtime.banks
    return service


def _problem(exc: BankError, prefix: str = "") -> Problem:
    field = f"{prefix}{exc.field}" if exc.field else prefix.rstrip(".") or "request"
    titles = {404: "Not found", 409: "Conflict"}
    return Problem(
        exc.status,
        titles.get(exc.status, "Invalid request"),
        exc.message,
        type_="bank-error",
        errors=[{"field": field, "message": exc.message}],
    )


class BankCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "stopncii",
                    "kind": "block",
                    "provenance": "stopncii",
                    "description": "Hashes survivors submitted through StopNCII.org",
                    "match_distance": 31,
                    "flood_max_matches": 1000,
                    "flood_window_seconds": 3600,
                }
            ]
        },
    )
    name: str = Field(min_length=1, max_length=100)
    kind: BankKind = "block"
    provenance: Provenance
    description: str = Field(default="", max_length=1000)
    match_distance: int = Field(default=31, ge=0, le=63)
    match_dihedral: bool = Field(
        default=True,
        description="Also match a query's flipped and rotated copies (PDQ dihedral variants).",
    )
    flood_max_matches: int | None = Field(default=None, ge=1)
    flood_window_seconds: int | None = Field(default=None, ge=1)


class BankUpdate(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"enabled": False}, {"match_distance": 24}]}
    )
    enabled: bool | None = None
    match_distance: int | None = Field(default=None, ge=0, le=63)
    match_dihedral: bool | None = None
    flood_max_matches: int | None = Field(default=None, ge=1)
    flood_window_seconds: int | None = Field(default=None, ge=1)
    clear_flood_guard: bool = False
    description: str | None = Field(default=None, max_length=1000)


class BankOut(BaseModel):
    id: int
    name: str
    kind: BankKind
    provenance: str
    description: str
    enabled: bool
    match_distance: int
    match_dihedral: bool
    flood_max_matches: int | None
    flood_window_seconds: int | None
    created_at: datetime
    created_by: str
    updated_at: datetime


class HashIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(default="pdq", max_length=32, examples=["pdq", "md5"])
    value: str = Field(max_length=128, examples=[EXAMPLE_PDQ])
    external_id: str | None = Field(default=None, max_length=200)
    case_numbers: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=1000)
    quality: int | None = Field(default=None, ge=0, le=100)


class HashesAdd(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "hashes": [
                        {
                            "signal_type": "pdq",
                            "value": EXAMPLE_PDQ,
                            "quality": 92,
                            "external_id": "case-2291",
                        }
                    ]
                }
            ]
        },
    )
    hashes: list[HashIn] = Field(min_length=1, max_length=10_000)
    revive_withdrawn: bool = False


class RowErrorOut(BaseModel):
    line: int | None
    field: str | None
    reason: str


class AddReportOut(BaseModel):
    received: int
    added: int
    revived: int
    duplicates: int
    purged: int
    skipped_tombstoned: int
    errors: list[RowErrorOut]


class ImportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"format": "threatexchange", "content": f"pdq {EXAMPLE_PDQ}\n"}]
        },
    )
    format: Literal["threatexchange", "stopncii", "csv", "auto"] = "auto"
    content: str = Field(max_length=20_000_000)
    default_signal_type: str | None = Field(default=None, max_length=32)
    revive_withdrawn: bool = False


class WithdrawIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "signal_type": "pdq",
                    "value": EXAMPLE_PDQ,
                    "status": "withdrawn",
                    "reason": "survivor withdrew the case",
                }
            ]
        },
    )
    signal_type: str = Field(default="pdq", max_length=32)
    value: str = Field(max_length=128)
    status: Literal["withdrawn", "deleted"] = "withdrawn"
    reason: str | None = Field(default=None, max_length=200)


class HashOut(BaseModel):
    id: int
    bank: str
    signal_type: str
    value: str | None
    status: HashStatus
    quality: int | None
    source: str
    external_id: str | None
    case_numbers: list[str]
    added_at: datetime
    added_by: str | None
    status_changed_at: datetime
    status_reason: str | None
    match_count: int
    last_matched_at: datetime | None


class QueryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(default="pdq", max_length=32)
    value: str = Field(max_length=128)
    quality: int | None = Field(default=None, ge=0, le=100)
    variants: list[Annotated[str, Field(max_length=128)]] = Field(
        default=[],
        max_length=7,
        description="PDQ hashes of the other seven rotations/flips of the same image.",
    )


class MatchIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "hashes": [
                        {"signal_type": "pdq", "value": EXAMPLE_NEAR, "quality": 90},
                        {"signal_type": "md5", "value": "d41d8cd98f00b204e9800998ecf8427e"},
                    ]
                }
            ]
        },
    )
    hashes: list[QueryIn] = Field(min_length=1, max_length=1000)


class MatchOut(BaseModel):
    bank: str
    bank_kind: BankKind
    bank_provenance: str
    hash_id: int
    signal_type: str
    value: str
    distance: int
    threshold: int
    variant: int
    source: str
    external_id: str | None
    case_count: int
    added_at: datetime


class ResultOut(BaseModel):
    query: int
    signal_type: str
    value: str
    matched: bool
    matches: list[MatchOut]
    allowed_by: list[MatchOut]
    suppressed: list[MatchOut]
    quarantined: list[MatchOut]
    skipped: str | None


class MatchResponse(BaseModel):
    results: list[ResultOut]


def _check_values(items: list[Any], field: str, with_variants: bool = False) -> None:
    """Refuse the whole request, naming each bad item, before anything is stored."""
    errors = []
    for i, item in enumerate(items):
        try:
            kind = get_signal_type(item.signal_type)
        except ValueError as exc:
            errors.append({"field": f"{field}[{i}].signal_type", "message": str(exc)})
            continue
        values = [("value", item.value)]
        if with_variants:
            values += [(f"variants[{j}]", v) for j, v in enumerate(item.variants)]
        for name, value in values:
            try:
                kind.validate(value)
            except ValueError as exc:
                errors.append({"field": f"{field}[{i}].{name}", "message": str(exc)})
        threshold = kind.quality_threshold
        if (
            not with_variants
            and item.quality is not None
            and threshold is not None
            and item.quality < threshold
        ):
            errors.append(
                {
                    "field": f"{field}[{i}].quality",
                    "message": f"quality {item.quality} is below {threshold}",
                }
            )
    if errors:
        fields = ", ".join(e["field"] for e in errors[:10])
        raise Problem(
            422,
            "Invalid request",
            f"{len(errors)} bad hash(es): {fields}",
            type_="invalid-request",
            errors=errors,
        )


@router.post("", status_code=201, response_model=BankOut, summary="Create a bank (admin)")
def create_bank(body: BankCreate, request: Request, key: Admin) -> dict[str, Any]:
    try:
        bank = _service(request).create_bank(created_by=f"key:{key.key_id}", **body.model_dump())
    except BankError as exc:
        raise _problem(exc) from None
    return bank.as_dict()


@router.get("", response_model=list[BankOut], summary="List banks (admin)")
def list_banks(request: Request, _key: Admin) -> list[dict[str, Any]]:
    return [b.as_dict() for b in _service(request).list_banks()]


@router.get("/stats", summary="Hash counts by status and match totals, per bank (admin)")
def all_stats(request: Request, _key: Admin) -> dict[str, Any]:
    return _service(request).stats()


@router.post(
    "/match",
    response_model=MatchResponse,
    summary="Match hashes against every enabled bank (client, moderator)",
)
def match(body: MatchIn, request: Request, _key: Matcher) -> dict[str, Any]:
    """Each item is one piece of content: its PDQ (with quality and, ideally,
    its seven dihedral variants) or its MD5. A match in an allow bank
    suppresses block matches for that item."""
    _check_values(body.hashes, "hashes", with_variants=True)
    queries = [
        MatchQuery(h.signal_type, h.value, h.quality, tuple(h.variants)) for h in body.hashes
    ]
    return {"results": [r.as_dict() for r in _service(request).match(queries)]}


@router.post(
    "/hashes/{hash_id}/release",
    response_model=HashOut,
    summary="Release a quarantined hash after review (moderator)",
)
def release(hash_id: int, request: Request, key: Moderator) -> dict[str, Any]:
    try:
        return _service(request).release(hash_id, reason=f"by key:{key.key_id}").as_dict()
    except BankError as exc:
        raise _problem(exc) from None


@router.get("/{name}", response_model=BankOut, summary="One bank (admin)")
def get_bank(name: str, request: Request, _key: Admin) -> dict[str, Any]:
    try:
        return _service(request).get_bank(name).as_dict()
    except BankError as exc:
        raise _problem(exc) from None


@router.patch(
    "/{name}",
    response_model=BankOut,
    summary="Enable/disable a bank or change its distance or flood guard (admin)",
)
def update_bank(name: str, body: BankUpdate, request: Request, _key: Admin) -> dict[str, Any]:
    try:
        return _service(request).configure_bank(name, **body.model_dump()).as_dict()
    except BankError as exc:
        raise _problem(exc) from None


@router.get("/{name}/stats", summary="One bank's counts (admin)")
def bank_stats(name: str, request: Request, _key: Admin) -> dict[str, Any]:
    try:
        return _service(request).stats(name)
    except BankError as exc:
        raise _problem(exc) from None


@router.post(
    "/{name}/hashes",
    response_model=AddReportOut,
    summary="Add hashes (admin, moderator); all or nothing on bad values",
)
def add_hashes(name: str, body: HashesAdd, request: Request, key: Moderator) -> dict[str, Any]:
    _check_values(body.hashes, "hashes")
    entries = [
        HashEntry(h.signal_type, h.value, h.external_id, tuple(h.case_numbers), h.quality, line=i)
        for i, h in enumerate(body.hashes)
    ]
    try:
        report = _service(request).add_hashes(
            name,
            entries,
            added_by=f"key:{key.key_id}",
            source="api",
            revive_withdrawn=body.revive_withdrawn,
        )
    except BankError as exc:
        raise _problem(exc) from None
    return report.as_dict()


@router.get(
    "/{name}/hashes",
    response_model=list[HashOut],
    summary="List a bank's hashes, e.g. status=quarantined for review (admin, moderator)",
)
def list_hashes(
    name: str,
    request: Request,
    _key: Moderator,
    status: Annotated[HashStatus | None, Query()] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    after_id: Annotated[int, Query(ge=0)] = 0,
) -> list[dict[str, Any]]:
    try:
        records = _service(request).list_hashes(name, status=status, limit=limit, after_id=after_id)
    except BankError as exc:
        raise _problem(exc) from None
    return [r.as_dict() for r in records]


@router.post(
    "/{name}/import",
    response_model=AddReportOut,
    summary="Import a threatexchange, StopNCII or CSV file (admin, moderator)",
)
def import_file(name: str, body: ImportIn, request: Request, key: Moderator) -> dict[str, Any]:
    """Bad rows are reported by line and skipped; the rest load. StopNCII
    records marked Withdrawn or Deleted are purged."""
    try:
        report = _service(request).import_text(
            name,
            body.content,
            body.format,
            added_by=f"key:{key.key_id}",
            default_signal_type=body.default_signal_type,
            revive_withdrawn=body.revive_withdrawn,
        )
    except BankError as exc:
        raise _problem(exc) from None
    except ValueError as exc:
        raise Problem(
            422,
            "Invalid request",
            str(exc),
            type_="invalid-request",
            errors=[{"field": "default_signal_type", "message": str(exc)}],
        ) from None
    return report.as_dict()


@router.get(
    "/{name}/export",
    response_class=PlainTextResponse,
    summary="Export a bank's active hashes (admin)",
)
def export(
    name: str,
    request: Request,
    _key: Admin,
    format: Annotated[Literal["threatexchange", "stopncii", "csv"], Query()] = "threatexchange",
) -> PlainTextResponse:
    try:
        text = _service(request).export_text(name, format)
    except BankError as exc:
        raise _problem(exc) from None
    media = {"csv": "text/csv", "stopncii": "application/json"}.get(format, "text/plain")
    return PlainTextResponse(text, media_type=media)


@router.post(
    "/{name}/withdraw",
    response_model=HashOut,
    summary="Purge a hash at once, leaving a tombstone (admin, moderator)",
)
def withdraw(name: str, body: WithdrawIn, request: Request, _key: Moderator) -> dict[str, Any]:
    try:
        record = _service(request).withdraw(
            name, body.signal_type, body.value, status=body.status, reason=body.reason
        )
    except BankError as exc:
        raise _problem(exc) from None
    return record.as_dict()
