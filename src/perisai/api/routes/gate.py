"""``/v1/gate/*``: the checks an image service calls, as JSON (images in
base64) or multipart/form-data (images as files)."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from perisai.api.problems import Problem, field_path, problem_responses
from perisai.api.security import require_role
from perisai.gate import GateInputError

router = APIRouter(prefix="/v1/gate", tags=["gate"])

Jurisdiction = Annotated[str, Field(pattern=r"^[A-Za-z]{2,3}$", examples=["MY"])]
Base64Image = Annotated[str, Field(min_length=4, description="Image bytes, base64-encoded.")]


class RequestCheck(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "prompt": "change her hair to red",
                    "kind": "edit",
                    "images": ["<base64 JPEG>"],
                    "account": "user-123",
                    "jurisdiction": "MY",
                },
                {"prompt": "a watercolour of a lighthouse at dawn", "kind": "generate"},
            ]
        },
    )
    prompt: str = Field(max_length=4000)
    kind: Literal["generate", "edit"] = "generate"
    images: list[Base64Image] = Field(default=[], max_length=8)
    account: str | None = Field(None, max_length=200)
    jurisdiction: Jurisdiction | None = None
    language: str | None = Field(None, max_length=16, description="Language for the user message.")


class OutputCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: Base64Image
    pre_check: str | None = Field(
        None, max_length=64, description="decision_id of the request check this output answers."
    )
    account: str | None = Field(None, max_length=200)
    jurisdiction: Jurisdiction | None = None


class UploadCheck(BaseModel):
    model_config = ConfigDict(extra="forbid")
    image: Base64Image
    account: str | None = Field(None, max_length=200)
    jurisdiction: Jurisdiction | None = None


def _body_doc(model: type[BaseModel], files: dict[str, Any]) -> dict[str, Any]:
    form = {
        "type": "object",
        "properties": {
            **{k: v for k, v in model.model_json_schema()["properties"].items() if k not in files},
            **files,
        },
    }
    return {
        "requestBody": {
            "required": True,
            "content": {
                "application/json": {"schema": model.model_json_schema()},
                "multipart/form-data": {"schema": form},
            },
        }
    }


BINARY = {"type": "string", "format": "binary"}


async def _parse(
    request: Request, model: type[BaseModel], file_fields: dict[str, bool]
) -> tuple[BaseModel, dict[str, list[bytes]]]:
    """Parse JSON or multipart into ``model``; images come back as bytes per field."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    data: dict[str, Any]
    files: dict[str, list[bytes]] = {name: [] for name in file_fields}
    if content_type == "multipart/form-data":
        form = await request.form()
        data = {}
        for key, value in form.multi_items():
            if key in file_fields:
                if not isinstance(value, UploadFile):
                    raise _invalid(f"body.{key}", "must be a file")
                if files[key] and not file_fields[key]:
                    raise _invalid(f"body.{key}", "is given more than once")
                files[key].append(await value.read())
            elif key in data:
                raise _invalid(f"body.{key}", "is given more than once")
            elif isinstance(value, UploadFile):
                raise _invalid(f"body.{key}", "must be a text field, not a file")
            else:
                data[key] = value
        for name, many in file_fields.items():
            # satisfy the model's required base64 fields; bytes come from `files`
            if files[name]:
                data[name] = ["file"] * len(files[name]) if many else "file"
    elif content_type in ("application/json", ""):
        raw = await request.body()
        try:
            data = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise Problem(
                400,
                "Malformed JSON",
                f"The body is not valid JSON: {exc}",
                type_="malformed-json",
                errors=[{"field": "body", "message": str(exc)}],
            ) from None
        if not isinstance(data, dict):
            raise _invalid("body", "must be a JSON object")
    else:
        raise Problem(
            415,
            "Unsupported media type",
            f"Send application/json or multipart/form-data, not {content_type!r}.",
        )
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        errors = [
            {"field": field_path(("body", *e["loc"])), "message": e["msg"]} for e in exc.errors()
        ]
        raise Problem(
            422,
            "Invalid request",
            f"The request has {len(errors)} problem(s) in: "
            + ", ".join(sorted({e["field"] for e in errors}))
            + ".",
            type_="invalid-request",
            errors=errors,
        ) from None
    if content_type != "multipart/form-data":
        for name, many in file_fields.items():
            values = getattr(parsed, name)
            items = values if many else ([values] if values is not None else [])
            for i, item in enumerate(items):
                label = f"body.{name}[{i}]" if many else f"body.{name}"
                try:
                    files[name].append(base64.b64decode(item, validate=True))
                except (binascii.Error, ValueError):
                    raise _invalid(label, "is not valid base64") from None
    return parsed, files


def _invalid(field: str, message: str) -> Problem:
    return Problem(
        422,
        "Invalid request",
        f"{field} {message}.",
        type_="invalid-request",
        errors=[{"field": field, "message": message}],
    )


# The gate names single images by role; the HTTP body calls them ``image``.
_GATE_FIELDS = {"output": "image", "upload": "image"}


def _gate_problem(exc: GateInputError) -> Problem:
    field = "body." + _GATE_FIELDS.get(exc.field, exc.field)
    return Problem(
        422,
        "Invalid request",
        f"{field}: {exc.message}",
        type_="invalid-request",
        errors=[{"field": field, "message": exc.message}],
    )


ERRORS = problem_responses(400, 401, 403, 413, 415, 422)


@router.post(
    "/request",
    summary="Check a generation or edit request before generating",
    openapi_extra=_body_doc(RequestCheck, {"images": {"type": "array", "items": BINARY}}),
    responses=ERRORS,
)
async def check_request(
    request: Request, _key: Any = Depends(require_role("client"))
) -> dict[str, Any]:
    body, files = await _parse(request, RequestCheck, {"images": True})
    assert isinstance(body, RequestCheck)
    runtime = request.app.state.runtime
    try:
        # one trip to the thread pool per request (each trip is a thread
        # hand-off and a wait for the GIL under load); ``runtime.gate`` is built
        # on first use, so it is fetched in the thread too
        result = await run_in_threadpool(
            lambda: runtime.gate.check_request(
                body.prompt,
                body.kind,
                files["images"],
                body.account,
                body.jurisdiction,
                body.language,
            )
        )
    except GateInputError as exc:
        raise _gate_problem(exc) from None
    out: dict[str, Any] = result.to_dict()
    return out


@router.post(
    "/output",
    summary="Check a generated image before it is shown",
    openapi_extra=_body_doc(OutputCheck, {"image": BINARY}),
    responses=ERRORS,
)
async def check_output(
    request: Request, _key: Any = Depends(require_role("client"))
) -> dict[str, Any]:
    body, files = await _parse(request, OutputCheck, {"image": False})
    assert isinstance(body, OutputCheck)
    runtime = request.app.state.runtime
    try:
        result = await run_in_threadpool(
            lambda: runtime.gate.check_output(
                files["image"][0], body.pre_check, body.account, body.jurisdiction
            )
        )
    except GateInputError as exc:
        raise _gate_problem(exc) from None
    out: dict[str, Any] = result.to_dict()
    return out


@router.post(
    "/upload",
    summary="Check a user upload (re-upload prevention)",
    openapi_extra=_body_doc(UploadCheck, {"image": BINARY}),
    responses=ERRORS,
)
async def check_upload(
    request: Request, _key: Any = Depends(require_role("client"))
) -> dict[str, Any]:
    body, files = await _parse(request, UploadCheck, {"image": False})
    assert isinstance(body, UploadCheck)
    runtime = request.app.state.runtime
    try:
        result = await run_in_threadpool(
            lambda: runtime.gate.check_upload(files["image"][0], body.account, body.jurisdiction)
        )
    except GateInputError as exc:
        raise _gate_problem(exc) from None
    out: dict[str, Any] = result.to_dict()
    return out
