"""Public reporting and survivor endpoints (no API key; rate-limited per IP).

``POST /v1/reports`` takes a notice (TAKE IT DOWN Act + DSA Art 16 fields),
``POST /v1/survivor/hashes`` takes hashes made on the survivor's device,
``status``/``withdraw``/``appeals`` need the case number and PIN, and
``GET /v1/support`` lists helplines per country. Missing pieces of a notice
are answered with a 422 problem naming each field in plain words.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from perisai.api.problems import Problem
from perisai.cases import (
    CaseConflict,
    CaseInputError,
    CaseNotFound,
    CaseService,
    ReportInput,
    WrongPin,
    case_service,
)
from perisai.cases.support import countries, support_for

router = APIRouter(tags=["reports"])

RATE_LIMIT = 30
RATE_WINDOW = 60.0


class RateLimiter:
    """A sliding-window count of requests per client IP, in memory."""

    def __init__(self, limit: int = RATE_LIMIT, window: float = RATE_WINDOW) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> None:
        ip = request.client.host if request.client else "unknown"
        now = time.monotonic()
        with self._lock:
            hits = self._hits.setdefault(ip, deque())
            while hits and now - hits[0] > self.window:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = int(self.window - (now - hits[0])) + 1
                raise Problem(
                    429,
                    "Too many requests",
                    f"At most {self.limit} requests a minute from one address; "
                    f"try again in {retry} seconds.",
                    type_="rate-limited",
                    headers={"Retry-After": str(retry)},
                )
            hits.append(now)
            if len(self._hits) > 100_000:  # bound memory under address churn
                self._hits = {
                    k: v for k, v in self._hits.items() if v and now - v[-1] <= self.window
                }


limiter = RateLimiter()


def _service(request: Request) -> CaseService:
    return case_service(request.app.state.runtime)


def _input_problem(exc: CaseInputError) -> Problem:
    fields = ", ".join(sorted({e["field"] for e in exc.errors}))
    return Problem(
        exc.status,
        "Invalid request",
        f"The request is missing or has wrong: {fields}. "
        + " ".join(f"{e['field']}: {e['message']}." for e in exc.errors),
        type_="invalid-request",
        errors=exc.errors,
    )


def _mapped(exc: Exception) -> Problem:
    if isinstance(exc, CaseInputError):
        return _input_problem(exc)
    if isinstance(exc, WrongPin):
        return Problem(403, "Forbidden", str(exc), type_="wrong-pin")
    if isinstance(exc, CaseNotFound):
        return Problem(404, "Not found", str(exc))
    if isinstance(exc, CaseConflict):
        return Problem(409, "Conflict", str(exc), type_="case-conflict")
    raise exc


class HashIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    signal_type: str = Field(max_length=32)
    value: str = Field(max_length=128)
    quality: int | None = None


class ReportIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "reason": "intimate_image_of_me",
                    "reporter_role": "depicted_person",
                    "content_urls": ["http://127.0.0.1:8000/demo/items/itm_0123456789abcdef"],
                    "explanation": "This is an intimate photo of me shared without my consent.",
                    "name": "Aisyah Rahman",
                    "email": "aisyah@example.org",
                    "country": "MY",
                    "language": "ms",
                    "good_faith": True,
                    "signature": "Aisyah Rahman",
                }
            ]
        },
    )
    reason: str = Field(max_length=40)
    reporter_role: str | None = Field(None, max_length=40)
    content_urls: list[str] = Field(default=[], max_length=20)
    explanation: str | None = Field(None, max_length=5000)
    name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    country: str | None = Field(None, max_length=3)
    language: str = Field("en", max_length=8)
    good_faith: bool = False
    signature: str | None = Field(None, max_length=200)
    hashes: list[HashIn] = Field(default=[], max_length=100)


class SurvivorHashesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    hashes: list[HashIn] = Field(min_length=1, max_length=100)
    case_number: str | None = Field(None, max_length=20)
    pin: str | None = Field(None, max_length=16)
    country: str | None = Field(None, max_length=3)
    language: str = Field("en", max_length=8)


class CasePin(BaseModel):
    model_config = ConfigDict(extra="forbid")
    case_number: str = Field(max_length=20)
    pin: str = Field(max_length=16)


class AppealIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    explanation: str = Field(max_length=5000)
    case_number: str | None = Field(None, max_length=20)
    pin: str | None = Field(None, max_length=16)
    item_id: str | None = Field(None, max_length=64)
    account: str | None = Field(None, max_length=200)


@router.post(
    "/v1/reports",
    status_code=201,
    dependencies=[Depends(limiter)],
    summary="Report content (NCII, sexual deepfake, child sexual abuse)",
)
async def create_report(body: ReportIn, request: Request) -> dict[str, Any]:
    service = _service(request)
    report = ReportInput(**{**body.model_dump(), "hashes": [h.model_dump() for h in body.hashes]})
    try:
        return await run_in_threadpool(service.create_report, report)
    except Exception as exc:  # mapped to problems; others propagate
        raise _mapped(exc) from None


@router.post(
    "/v1/survivor/hashes",
    status_code=201,
    dependencies=[Depends(limiter)],
    summary="Submit hashes made on your own device (StopNCII style)",
)
async def survivor_hashes(body: SurvivorHashesIn, request: Request) -> dict[str, Any]:
    service = _service(request)
    try:
        return await run_in_threadpool(
            lambda: service.submit_survivor_hashes(
                [h.model_dump() for h in body.hashes],
                case_number=body.case_number,
                pin=body.pin,
                country=body.country,
                language=body.language,
            )
        )
    except Exception as exc:
        raise _mapped(exc) from None


@router.post(
    "/v1/reports/status",
    dependencies=[Depends(limiter)],
    summary="A case's status (case number + PIN)",
)
async def report_status(body: CasePin, request: Request) -> dict[str, Any]:
    service = _service(request)
    try:
        return await run_in_threadpool(service.status, body.case_number, body.pin)
    except Exception as exc:
        raise _mapped(exc) from None


@router.post(
    "/v1/reports/withdraw",
    dependencies=[Depends(limiter)],
    summary="Withdraw a case; its survivor hashes are purged at once",
)
async def report_withdraw(body: CasePin, request: Request) -> dict[str, Any]:
    service = _service(request)
    try:
        return await run_in_threadpool(service.withdraw, body.case_number, body.pin)
    except Exception as exc:
        raise _mapped(exc) from None


@router.post(
    "/v1/appeals",
    status_code=201,
    dependencies=[Depends(limiter)],
    summary="Appeal a decision (reporter: case number + PIN; uploader: item id + account)",
)
async def appeal(body: AppealIn, request: Request) -> dict[str, Any]:
    service = _service(request)
    try:
        if body.case_number:
            return await run_in_threadpool(
                service.appeal_as_reporter, body.case_number, body.pin or "", body.explanation
            )
        if body.item_id and body.account:
            return await run_in_threadpool(
                service.appeal_as_uploader, body.item_id, body.account, body.explanation
            )
        raise CaseInputError(
            [
                {
                    "field": "body",
                    "message": "give case_number and pin (reporter) "
                    "or item_id and account (uploader)",
                }
            ]
        )
    except Exception as exc:
        raise _mapped(exc) from None


@router.get("/v1/support", summary="Support services for a country (facts with sources)")
async def support(country: str | None = Query(None, max_length=3)) -> dict[str, Any]:
    return {
        "country": (country or "").upper() or None,
        "resources": support_for(country),
        "countries": countries(),
    }
