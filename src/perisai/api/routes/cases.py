"""The moderator API: queues, case views, actions, appeal decisions and the
child-safety package. Roles: triage reads queues and may hide content
pending a decision; moderators decide; admins may do anything; auditors read."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from perisai.api.problems import Problem
from perisai.api.routes.reports import _mapped
from perisai.api.security import require_role
from perisai.auth.keys import ApiKey
from perisai.cases import UnknownItem, case_service

router = APIRouter(prefix="/v1/cases", tags=["cases"])

readers = require_role("triage", "moderator", "auditor")
deciders = require_role("moderator")
triage_or_moderator = require_role("triage", "moderator")

#: Actions a triage key may take (everything else needs a moderator).
TRIAGE_ACTIONS = frozenset({"hide", "note", "escalate_child_safety"})


class ActionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    action: Literal["hide", "remove", "restore", "dismiss", "escalate_child_safety", "note"]
    policy_category: str | None = Field(None, max_length=64)
    reason: str = Field("", max_length=2000)
    note: str = Field("", max_length=5000)


class AppealDecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    outcome: Literal["upheld", "overturned"]
    reason: str = Field("", max_length=2000)


@router.get("", summary="A queue, most severe first, then nearest deadline")
async def list_cases(
    request: Request,
    queue: Literal["open", "child_safety", "appeals", "breached"] = "open",
    sort: Literal["deadline"] = "deadline",
    limit: int = Query(200, ge=1, le=1000),
    key: ApiKey = Depends(readers),
) -> dict[str, Any]:
    service = case_service(request.app.state.runtime)
    items = await run_in_threadpool(service.list_queue, queue, None, limit)
    return {"queue": queue, "sort": sort, "cases": items}


@router.get("/{case_number}", summary="One case: report, items, copies, clocks, history, notes")
async def get_case(
    case_number: str, request: Request, key: ApiKey = Depends(readers)
) -> dict[str, Any]:
    service = case_service(request.app.state.runtime)
    try:
        return await run_in_threadpool(
            lambda: service.view(case_number, include_contact=key.role in ("moderator", "admin"))
        )
    except Exception as exc:
        raise _mapped(exc) from None


@router.post("/{case_number}/actions", summary="Hide, remove, restore, dismiss, escalate or note")
async def act(
    case_number: str, body: ActionIn, request: Request, key: ApiKey = Depends(triage_or_moderator)
) -> dict[str, Any]:
    if key.role == "triage" and body.action not in TRIAGE_ACTIONS:
        raise Problem(
            403,
            "Forbidden",
            f"A triage key may {', '.join(sorted(TRIAGE_ACTIONS))}; "
            f"'{body.action}' needs a moderator.",
        )
    service = case_service(request.app.state.runtime)
    try:
        return await run_in_threadpool(
            lambda: service.act(
                case_number,
                body.action,
                key.key_id,
                policy_category=body.policy_category,
                reason=body.reason,
                note=body.note,
            )
        )
    except Exception as exc:
        raise _mapped(exc) from None


@router.post("/{case_number}/appeal-decision", summary="Decide an appeal (a different moderator)")
async def appeal_decision(
    case_number: str, body: AppealDecisionIn, request: Request, key: ApiKey = Depends(deciders)
) -> dict[str, Any]:
    service = case_service(request.app.state.runtime)
    try:
        return await run_in_threadpool(
            service.decide_appeal, case_number, body.outcome, body.reason, key.key_id
        )
    except Exception as exc:
        raise _mapped(exc) from None


@router.get("/{case_number}/cybertip", summary="CyberTipline-style package (access is logged)")
async def cybertip(
    case_number: str, request: Request, key: ApiKey = Depends(deciders)
) -> dict[str, Any]:
    service = case_service(request.app.state.runtime)
    try:
        return await run_in_threadpool(service.cybertip_package, case_number, key.key_id)
    except Exception as exc:
        raise _mapped(exc) from None


@router.get(
    "/{case_number}/media/{item_id}", summary="An item's image for review (access is logged)"
)
async def media(
    case_number: str, item_id: str, request: Request, key: ApiKey = Depends(deciders)
) -> Response:
    service = case_service(request.app.state.runtime)
    try:
        content, origin = await run_in_threadpool(service.media, case_number, item_id, key.key_id)
    except UnknownItem:
        raise Problem(404, "Not found", f"No item {item_id}.") from None
    except Exception as exc:
        raise _mapped(exc) from None
    return Response(
        content,
        media_type="application/octet-stream",
        headers={
            "Cache-Control": "no-store",
            "X-Perisai-Media-Origin": origin,
            "Content-Disposition": "inline",
            "X-Content-Type-Options": "nosniff",
        },
    )
