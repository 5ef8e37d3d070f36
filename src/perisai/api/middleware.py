"""ASGI middleware: request body size limit, one access-log line per request,
and keep-alive connection recycling across worker processes."""

from __future__ import annotations

import logging
import time
import uuid
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from perisai.api.problems import Problem

log = logging.getLogger("perisai.access")


class BodyTooLarge(Exception):
    pass


class BodyLimitMiddleware:
    """Refuses bodies over ``max_bytes`` (413) whether or not a
    Content-Length is sent, without reading more than the limit."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        too_large = self._problem()
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    declared = -1
                if declared > self.max_bytes:
                    await too_large.response(scope.get("path"))(scope, receive, send)
                    return
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not started:
                await too_large.response(scope.get("path"))(scope, receive, send)

    def _problem(self) -> Problem:
        return Problem(
            413,
            "Request too large",
            f"The request body is larger than the limit of {self.max_bytes} bytes.",
            type_="request-too-large",
        )


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = uuid.uuid4().hex[:16]
        status: dict[str, Any] = {"code": 500}

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope.get("method"),
                    "path": scope.get("path"),
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 2),
                },
            )


class ConnectionRecycleMiddleware:
    """Asks the client to reconnect (``Connection: close``) on every
    ``every``-th response of this process.

    With several worker processes on one listening socket, a keep-alive
    connection stays with whichever process accepted it, and one process
    often ends up with most of a client's connections (and, the work being
    bound by one interpreter lock per process, with a queue while the other
    idles). A reconnecting client is accepted by a process that is waiting
    in ``accept``, i.e. an idle one, so connections drift to where there is
    room. Reconnecting on loopback or a LAN costs well under a millisecond.
    """

    def __init__(self, app: ASGIApp, every: int) -> None:
        self.app = app
        self.every = every
        self._count = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or self.every <= 0:
            await self.app(scope, receive, send)
            return

        async def send_maybe_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                self._count += 1
                if self._count % self.every == 0:
                    headers = list(message.get("headers", []))
                    if not any(name.lower() == b"connection" for name, _ in headers):
                        message["headers"] = [*headers, (b"connection", b"close")]
            await send(message)

        await self.app(scope, receive, send_maybe_closing)
