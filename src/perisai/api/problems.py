"""Errors as RFC 9457 problem details (``application/problem+json``).

Every error names what was wrong: validation errors list each field by its
JSON path (``body.images[0]``) with a message.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_BASE = "https://perisai.dev/problems/"
MEDIA_TYPE = "application/problem+json"


class Problem(Exception):
    """Raise from any handler to answer with a problem document."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        type_: str = "about:blank",
        errors: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_ if type_.startswith(("about:", "http")) else PROBLEM_BASE + type_
        self.errors = errors or []
        self.headers = headers

    def response(self, instance: str | None = None) -> JSONResponse:
        body: dict[str, Any] = {
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        return JSONResponse(
            body, status_code=self.status, media_type=MEDIA_TYPE, headers=self.headers
        )


PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "required": ["type", "title", "status", "detail"],
}

_DESCRIPTIONS = {
    400: "Malformed request (for example, JSON that cannot be parsed)",
    401: "Missing or unknown API key",
    403: "The API key's role may not do this",
    404: "Not found",
    413: "Request body too large",
    415: "Unsupported media type",
    422: "Invalid request: `errors` names each field that was wrong",
    429: "Too many requests",
}


def problem_responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries documenting problem+json errors."""
    return {
        code: {
            "description": _DESCRIPTIONS.get(code, "Error"),
            "content": {MEDIA_TYPE: {"schema": PROBLEM_SCHEMA}},
        }
        for code in codes
    }


def field_path(loc: tuple[int | str, ...] | list[int | str]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _validation_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    errors = []
    for err in exc.errors():
        loc = list(err.get("loc", ()))
        item: dict[str, Any] = {"field": field_path(loc), "message": err.get("msg", "invalid")}
        if err.get("type") == "json_invalid":
            ctx = err.get("ctx") or {}
            item["message"] = f"malformed JSON: {ctx.get('error', 'cannot be parsed')}"
            item["field"] = "body"
        errors.append(item)
    return errors


async def on_validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = _validation_errors(exc)
    fields = ", ".join(sorted({e["field"] for e in errors})) or "request"
    return Problem(
        422,
        "Invalid request",
        f"The request has {len(errors)} problem(s) in: {fields}.",
        type_="invalid-request",
        errors=errors,
    ).response(request.url.path)


async def on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.response(request.url.path)


async def on_http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
    detail = exc.detail if isinstance(exc.detail, str) else "error"
    if exc.status_code == 404 and detail == "Not Found":
        detail = f"No resource at {request.url.path}."
    return Problem(
        exc.status_code,
        titles.get(exc.status_code, "Error"),
        detail,
        headers=getattr(exc, "headers", None),
    ).response(request.url.path)
