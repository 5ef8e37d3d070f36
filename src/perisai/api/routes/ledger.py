from __future__ import annotations

import tempfile
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from perisai.api.security import require_role

router = APIRouter(
    prefix="/v1/ledger", tags=["ledger"], dependencies=[Depends(require_role("auditor"))]
)


@router.get("/head", summary="The newest ledger entry's sequence number and hash")
def head(request: Request) -> dict[str, Any]:
    entry = request.app.state.runtime.ledger.head()
    if entry is None:
        return {"seq": 0, "entry_hash": None}
    return {"seq": entry.seq, "entry_hash": entry.entry_hash, "created_at": entry.created_at}


@router.get("/verify", summary="Verify the whole chain and its signed checkpoints")
def verify(request: Request) -> dict[str, Any]:
    report = request.app.state.runtime.ledger.verify()
    return {
        "ok": report.ok,
        "entries_checked": report.entries_checked,
        "head_seq": report.head_seq,
        "head_hash": report.head_hash,
        "problems": [{"seq": p.seq, "kind": p.kind, "message": p.message} for p in report.problems],
    }


@router.get(
    "/export",
    summary="Export entries as JSONL for offline verification (`perisai ledger verify --export`)",
    response_class=StreamingResponse,
)
def export(
    request: Request,
    since: datetime | None = Query(
        None, description="Only entries at or after this time (ISO 8601)."
    ),
) -> StreamingResponse:
    from perisai.ledger.export import export_ledger

    # closed by lines() once streamed
    spool = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024, mode="w+", encoding="utf-8")  # noqa: SIM115
    export_ledger(request.app.state.runtime.ledger, spool, since=since)
    spool.seek(0)

    def lines() -> Iterator[str]:
        with spool:
            yield from spool

    return StreamingResponse(lines(), media_type="application/x-ndjson")
