"""The demo platform's pages: upload an item, see it (or see that it was
made inaccessible). Uploads are screened for re-uploads of removed images."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from perisai.api.problems import Problem
from perisai.banks import MatchQuery
from perisai.cases import CaseService, UnknownItem, UploadBlocked, case_service

router = APIRouter(prefix="/demo", tags=["demo platform"])
log = logging.getLogger("perisai.demo")
MAX_UPLOAD = 10 * 1024 * 1024


def _screen(request: Request, service: CaseService) -> Any:
    runtime = request.app.state.runtime

    def screen(content: bytes, account: str, hashes: Any) -> None:
        service.ensure_banks()
        queries = [MatchQuery("md5", hashes.md5)]
        if hashes.pdq_usable:
            queries.insert(
                0,
                MatchQuery(
                    "pdq", hashes.pdq, quality=hashes.quality, variants=tuple(hashes.dihedral[1:])
                ),
            )
        for result in service.banks.match(queries):
            if result.matched:
                m = result.matches[0]
                raise UploadBlocked(
                    "this image matches an image removed or reported as abusive",
                    {"bank": m.bank, "distance": m.distance},
                )
        try:
            gate = runtime.gate
        except Exception as exc:  # the gate cannot be built here: banks alone screen uploads
            log.debug("gate unavailable for demo uploads: %s", exc)
            return
        result = gate.check_upload(content, account)
        if result.decision.action == "block":
            raise UploadBlocked(
                "the upload check blocked this image",
                {
                    "decision_id": result.decision.decision_id,
                    "categories": list(result.decision.categories),
                },
            )

    return screen


@router.post("/items", status_code=201, summary="Upload an item to the demo platform")
async def upload(
    request: Request,
    image: UploadFile = File(...),
    account: str = Form(..., min_length=1, max_length=200),
) -> dict[str, Any]:
    service = case_service(request.app.state.runtime)
    content = await image.read(MAX_UPLOAD + 1)
    if not content or len(content) > MAX_UPLOAD:
        raise Problem(
            422,
            "Invalid request",
            "image must be 1 byte to 10 MB",
            errors=[{"field": "image", "message": "must be 1 byte to 10 MB"}],
        )
    platform = service.platform
    upload_fn = getattr(platform, "upload", None)
    if upload_fn is None:
        raise Problem(501, "Not implemented", "this platform adapter takes no uploads")
    try:
        item = await run_in_threadpool(
            upload_fn,
            content,
            account,
            image.content_type or "image/jpeg",
            _screen(request, service),
        )
    except UploadBlocked as exc:
        raise Problem(
            409,
            "Upload blocked",
            exc.reason,
            type_="upload-blocked",
            errors=[{"field": "image", "message": exc.reason, **exc.details}],
        ) from None
    except ValueError as exc:  # ImageError and friends: undecodable input
        raise Problem(
            422,
            "Invalid request",
            f"image: {exc}",
            errors=[{"field": "image", "message": str(exc)}],
        ) from None
    out = item.to_dict()
    out["url"] = str(request.url_for("demo_item", item_id=item.item_id))
    return out


@router.get("/items/{item_id}", name="demo_item", summary="An item (404 hidden, 410 deleted)")
async def item(item_id: str, request: Request) -> Response:
    platform = case_service(request.app.state.runtime).platform
    try:
        found = platform.get_item(item_id)
    except UnknownItem:
        raise Problem(404, "Not found", f"No item {item_id}.") from None
    if found.state == "hidden":
        raise Problem(
            404,
            "Not found",
            "This item is unavailable while a report about it is reviewed.",
            type_="item-hidden",
        )
    if found.state == "deleted":
        raise Problem(410, "Gone", "This item was removed.", type_="item-removed")
    return Response(
        platform.content(item_id),
        media_type=found.media_type,
        headers={"Cache-Control": "no-store"},
    )
