from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import text

from perisai.api.problems import Problem

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Liveness: the process is up")
def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="Readiness: database reachable and policy loaded")
def readyz(request: Request) -> dict[str, Any]:
    runtime = request.app.state.runtime
    try:
        with runtime.db.connect() as conn:
            conn.execute(text("SELECT 1"))
        policy = runtime.policy
    except Exception as exc:  # readiness reports any failure rather than raising it
        raise Problem(503, "Not ready", f"{type(exc).__name__}: {exc}") from exc
    return {"status": "ready", "policy_version": policy.version}
