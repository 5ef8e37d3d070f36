"""The FastAPI application. Routes live in ``perisai.api.routes.<area>``,
each exposing ``router``; this module assembles them and the error handling."""

from __future__ import annotations

import importlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from perisai import __version__
from perisai.api import problems
from perisai.api.middleware import (
    AccessLogMiddleware,
    BodyLimitMiddleware,
    ConnectionRecycleMiddleware,
)
from perisai.runtime import Runtime

#: Route modules under perisai.api.routes, each exposing ``router``.
ROUTE_MODULES = [
    "health",
    "policy",
    "decisions",
    "ledger",
    "keys",
    "gate",
    "web",
    "banks",
    "reports",
    "cases",
    "demo",
]

DESCRIPTION = """
Perisai checks requests to a generative image service (prompts, edit
requests with photos, outputs and uploads) and allows, blocks or holds them
for review, with reasons, against a versioned policy. Every decision is
written to a tamper-evident ledger.

Authenticate with an API key: `Authorization: Bearer psk_...`. Errors are
[RFC 9457](https://www.rfc-editor.org/rfc/rfc9457) problem documents that
name the field that was wrong.
"""


def warm_up(runtime: Runtime) -> None:
    """Build the gate and load the text model now, not on the first request:
    with several worker processes behind one socket, a worker that loads it
    on a live request holds every request routed to it for seconds."""
    from perisai.signals.base import TextSubject

    gate = runtime.gate
    gate.text_analysers.analyse([TextSubject("warm up", kind="generate")], {})
    runtime.ledger_writer  # noqa: B018 - starts the writer thread


def create_served_app() -> FastAPI:
    """The app ``perisai serve`` runs in each worker process: as
    :func:`create_app`, warmed up before the worker accepts connections, and
    recycling keep-alive connections so they spread over the workers."""
    app = create_app(warm=True)
    every = app.state.runtime.settings.recycle_connections_every
    app.add_middleware(ConnectionRecycleMiddleware, every=every)
    return app


def create_app(runtime: Runtime | None = None, *, warm: bool = False) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if warm:
            # uvicorn runs the lifespan startup before it starts accepting
            await run_in_threadpool(warm_up, app.state.runtime)
        yield
        if owns_runtime:
            app.state.runtime.close()

    owns_runtime = runtime is None
    app = FastAPI(
        title="Perisai",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
    )
    app.state.runtime = runtime or Runtime()
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(problems.Problem, problems.on_problem)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    for name in ROUTE_MODULES:
        module = importlib.import_module(f"perisai.api.routes.{name}")
        app.include_router(module.router)
    app.add_middleware(BodyLimitMiddleware, max_bytes=app.state.runtime.settings.max_body_bytes)
    app.add_middleware(AccessLogMiddleware)
    return app
