"""Authentication by API key (``Authorization: Bearer psk_...`` or
``X-API-Key``) and role checks as FastAPI dependencies."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Request
from fastapi.security import APIKeyHeader, HTTPBearer

from perisai.api.problems import Problem
from perisai.auth.keys import ROLES, ApiKey

bearer = HTTPBearer(auto_error=False, description="`Authorization: Bearer psk_...`")
header_key = APIKeyHeader(name="X-API-Key", auto_error=False)


def _token(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    return request.headers.get("x-api-key")


def require_role(*roles: str) -> Callable[[Request], ApiKey]:
    """A dependency that admits keys having one of ``roles`` (admin always)."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown roles: {sorted(unknown)}")
    allowed = set(roles) | {"admin"}

    def dependency(request: Request) -> ApiKey:
        token = _token(request)
        if not token:
            raise Problem(
                401,
                "Unauthorized",
                "An API key is required: send 'Authorization: Bearer psk_...' or 'X-API-Key'.",
                headers={"WWW-Authenticate": "Bearer"},
            )
        key = request.app.state.runtime.keys.authenticate(token)
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
