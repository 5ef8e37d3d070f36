"""Authentication by API key (``Authorization: Bearer psk_...`` or
``X-API-Key``) and role checks as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer
from starlette.concurrency import run_in_threadpool

from perisai.api.problems import Problem
from perisai.auth.keys import ROLES, ApiKey

bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer psk_...`")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def require_role(*roles: str) -> Callable[[Request], Coroutine[Any, Any, ApiKey]]:
    """A dependency that admits keys having one of ``roles`` (admin always)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    allowed = set(roles) | {"admin"}

    async def dependency(request: Request) -> ApiKey:
        # async, so FastAPI does not send every request through the thread
        # pool for it: a recently accepted token is answered from memory and
        # only a lookup goes to a thread
        token = _token(request)
        if not token:
            raise Problem(
                401,
                "Unauthorized",
                "An API key is required: send 'Authorization: Bearer psk_...' or 'X-API-Key'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        keys = request.app.state.runtime.keys
        key = keys.recently_authenticated(token)
        if key is None:
            key = await run_in_threadpool(keys.authenticate, token)
        if key is None:
            raise Problem(
                401,
                "Unauthorized",
                "The API key is not valid or has been revoked.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        if key.role not in allowed:
            raise Problem(
                403,
                "Forbidden",
                f"This needs a key with role {' or '.join(sorted(allowed))}; yours is {key.role}.",
            )
        request.state.api_key = key
        return key

    return dependency
