from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import PlainTextResponse

from perisai.api.security import require_role
from perisai.policy.explain import explain

router = APIRouter(prefix="/v1/policy", tags=["policy"])


@router.get(
    "",
    summary="The policy in force",
    dependencies=[Depends(require_role("client", "moderator", "auditor"))],
)
def get_policy(request: Request) -> dict[str, Any]:
    policy = request.app.state.runtime.policy
    return policy.model_dump(mode="json", by_alias=True)


@router.get(
    "/explain",
    summary="The policy in force, in plain language",
    response_class=PlainTextResponse,
    dependencies=[Depends(require_role("client", "moderator", "auditor"))],
)
def explain_policy(request: Request) -> str:
    return explain(request.app.state.runtime.policy)
