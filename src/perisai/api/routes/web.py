"""Browser pages: the survivor hashing page and the static files it uses.

The hashing page computes PDQ and MD5 in the survivor's browser (see
``perisai/web/static/js/pdq.js``); the pictures never reach this service.
The page is served with a strict Content-Security-Policy so that, even if
something were injected into it, the only place it could send data is this
origin (``connect-src 'self'``), and it loads no third-party code.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from perisai.api.security import require_role
from perisai.auth.keys import ROLES, ApiKey

#: Folder of the browser files, shipped inside the package (see pyproject package-data).
STATIC_DIR = Path(__file__).resolve().parents[2] / "web" / "static"

#: Headers for the pages: no third-party code, no referrer, no framing, no caching of state.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "Cache-Control": "no-store",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}

router = APIRouter(tags=["web"])


@router.get(
    "/survivor/hash",
    summary="Page where a survivor fingerprints pictures on their own device",
    response_class=FileResponse,
    include_in_schema=False,
)
def survivor_hash_page() -> FileResponse:
    return FileResponse(STATIC_DIR / "hash.html", media_type="text/html", headers=PAGE_HEADERS)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC_DIR / name, media_type="text/html", headers=PAGE_HEADERS)


@router.get("/report", response_class=FileResponse, include_in_schema=False)
def report_page() -> FileResponse:
    """The report form (TAKE IT DOWN / DSA Art 16 notice), in five languages."""
    return _page("report.html")


@router.get("/report/status", response_class=FileResponse, include_in_schema=False)
def report_status_page() -> FileResponse:
    """Case number + PIN: status, timeline, outcome, withdraw, appeal."""
    return _page("report-status.html")


@router.get("/console", response_class=FileResponse, include_in_schema=False)
def console_page() -> FileResponse:
    """The moderator console; it calls the case API with the key typed in."""
    return _page("console.html")


@router.get(
    "/console/session",
    summary="Who the presented API key is (role and name), so the console can show what it may do",
    tags=["cases"],
)
def console_session(
    key: ApiKey = Depends(require_role(*ROLES)),
) -> dict[str, str]:
    return {"key_id": key.key_id, "role": key.role, "name": key.name}


router.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
