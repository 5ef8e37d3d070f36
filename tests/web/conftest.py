"""Browser fixtures: the real service on a free local port, and headless Chromium.

Chromium is Debian's (``scripts/install-chromium.sh``), driven by the
Playwright Python package; ``playwright install`` is never used, because it
downloads a browser build that the project's machines cannot fetch. Without
Chromium the browser tests are skipped on a developer's machine and fail in
CI (``CI=true``), where a skipped privacy test would hide a regression.

Fixtures for reuse by later end-to-end tests:

- ``live_server``: the service (a fresh SQLite data dir), started once per
  session with uvicorn in a background thread: ``.url`` is its base URL and
  ``.received`` every request that reached it, body included, so a test can
  check what the browser really sent, including from workers;
- ``chromium``: one launched browser per session;
- ``browser_context``: a fresh, isolated context (own cookies and storage)
  per test, on which ``page.on("request")`` style observation can be set up;
- ``run_live_server(app)``: a context manager for a test that needs its own app.
"""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import uvicorn

from perisai.api.app import create_app
from perisai.config import Settings
from perisai.runtime import Runtime

if TYPE_CHECKING:
    from playwright.sync_api import Browser, BrowserContext, Playwright
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

CHROMIUM_PATH = Path(os.environ.get("PERISAI_CHROMIUM", "/usr/bin/chromium"))

#: Flags for a quiet, offline-friendly headless run: no sandbox (containers run as
#: root), no GPU, and none of Chromium's own background traffic, so every request
#: the tests observe comes from the page.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"1", "true", "yes"}


@dataclass(frozen=True)
class ReceivedRequest:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LiveServer:
    url: str
    received: list[ReceivedRequest] = field(default_factory=list)


class _RecordRequests:
    """ASGI wrapper that keeps a copy of every HTTP request (body included)."""

    def __init__(self, app: ASGIApp, received: list[ReceivedRequest]) -> None:
        self.app = app
        self.received = received

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # Read the whole body first (the app may answer without reading it, e.g. a
        # 404), keep a copy, then hand the same body to the app.
        chunks: list[bytes] = []
        while True:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        self.received.append(
            ReceivedRequest(
                method=scope["method"],
                path=scope["path"],
                query=scope.get("query_string", b"").decode("latin-1"),
                headers={k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]},
                body=body,
            )
        )
        replayed = False

        async def replay_receive() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay_receive, send)


@contextmanager
def run_live_server(app: ASGIApp) -> Iterator[LiveServer]:
    """Serves ``app`` with uvicorn on a free 127.0.0.1 port."""
    received: list[ReceivedRequest] = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        _RecordRequests(app, received), log_level="warning", lifespan="on", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped while starting")
        if time.monotonic() > deadline:
            raise RuntimeError("the live server did not start within 30 s")
        time.sleep(0.02)
    try:
        yield LiveServer(url=f"http://127.0.0.1:{port}", received=received)
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The real service, backed by a fresh SQLite file."""
    data_dir = tmp_path_factory.mktemp("live-server")
    runtime = Runtime(
        Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'perisai.db'}")
    )
    try:
        with run_live_server(create_app(runtime)) as server:
            yield server
    finally:
        runtime.close()


@pytest.fixture(scope="session")
def chromium_executable() -> Path:
    if CHROMIUM_PATH.exists() and os.access(CHROMIUM_PATH, os.X_OK):
        return CHROMIUM_PATH
    message = (
        f"Chromium not found at {CHROMIUM_PATH}: run scripts/install-chromium.sh "
        "(or set PERISAI_CHROMIUM). Never use 'playwright install'."
    )
    if _in_ci():
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def playwright_driver() -> Iterator[Playwright]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def chromium(
    playwright_driver: Playwright,
    chromium_executable: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Browser]:
    """Headless Chromium with a fresh profile (Playwright makes a new temporary
    user data dir for every launch; its own temp files go under pytest's tmp)."""
    artifacts = tmp_path_factory.mktemp("chromium")
    browser = playwright_driver.chromium.launch(
        executable_path=str(chromium_executable),
        headless=True,
        args=CHROMIUM_ARGS,
        downloads_path=str(artifacts),
    )
    yield browser
    browser.close()
    shutil.rmtree(artifacts, ignore_errors=True)


@pytest.fixture
def browser_context(chromium: Browser) -> Iterator[BrowserContext]:
    """A fresh context per test: no cookies, storage or cache shared between tests."""
    context = chromium.new_context(service_workers="block")
    context.set_default_timeout(60_000)
    yield context
    context.close()


# --- accessibility (axe-core) and the end-to-end service (issue 6 pages) ---

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_SCRIPT = REPO_ROOT / "tests" / "web" / "node" / "node_modules" / "axe-core" / "axe.min.js"
AXE_INSTALLER = REPO_ROOT / "scripts" / "install-axe.sh"
#: Violations at these impacts fail a page.
AXE_BLOCKING_IMPACTS = frozenset({"serious", "critical"})


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script (npm, MPL-2.0), installed by scripts/install-axe.sh if missing."""
    if not AXE_SCRIPT.exists():
        import subprocess

        result = subprocess.run(
            [str(AXE_INSTALLER)], capture_output=True, text=True, timeout=300, check=False
        )
        if result.returncode != 0 or not AXE_SCRIPT.exists():
            message = f"axe-core could not be installed: {result.stderr.strip()[-500:]}"
            if _in_ci():
                pytest.fail(message)
            pytest.skip(message)
    return AXE_SCRIPT.read_text(encoding="utf-8")


@dataclass(frozen=True)
class E2EService:
    """The real service for end-to-end flows, with one API key per console role."""

    url: str
    runtime: Runtime
    keys: dict[str, str]
    received: list[ReceivedRequest]


@pytest.fixture(scope="session")
def e2e_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[E2EService]:
    """A fresh service (own SQLite data dir) with keys: admin, triage, auditor, client
    and two moderators (``moderator`` and ``moderator2``, for appeals)."""
    data_dir = tmp_path_factory.mktemp("e2e-service")
    runtime = Runtime(
        Settings(data_dir=data_dir, database_url=f"sqlite:///{data_dir / 'perisai.db'}")
    )
    keys = {}
    for label, role in [
        ("admin", "admin"),
        ("triage", "triage"),
        ("auditor", "auditor"),
        ("client", "client"),
        ("moderator", "moderator"),
        ("moderator2", "moderator"),
    ]:
        keys[label], _ = runtime.keys.create(role, f"e2e {label}")
    try:
        with run_live_server(create_app(runtime)) as server:
            yield E2EService(url=server.url, runtime=runtime, keys=keys, received=server.received)
    finally:
        runtime.close()
