"""Fixtures of the notification tests: a real SMTP server (aiosmtpd) and a real webhook receiver (uvicorn
on a free port, verifying signatures with the public `verify_signature`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from deploy.local.mailsink import MailSink
from deploy.local.server import free_port
from services.notification.signing import SIGNATURE_HEADER, SignatureError, verify_signature


@pytest.fixture
def mail_sink() -> Iterator[MailSink]:
    sink = MailSink()
    sink.start()
    yield sink
    sink.stop()


@dataclass
class Receiver:
    """A portal's webhook endpoint. Paths: /ok (verifies), /flaky (503 on a notification's first call),
    /hang (never answers), /gone (410)."""

    url: str
    secrets: dict[str, str] = field(default_factory=dict)  # path -> the secret the API returned
    accepted: list[dict[str, Any]] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    hanging: int = 0
    seen: dict[str, float] = field(default_factory=dict)  # the receiver's replay memory
    _flaky: set[str] = field(default_factory=set)

    async def handle(self, request: Request) -> JSONResponse:
        path = request.path_params["name"]
        body = await request.body()
        if path == "hang":
            self.hanging += 1
            await asyncio.sleep(3600)
        if path == "gone":
            return JSONResponse({"error": "gone"}, status_code=410)
        notification = request.headers.get("talenta-webhook-id", "")
        if path == "flaky" and notification not in self._flaky:
            self._flaky.add(notification)
            return JSONResponse({"error": "try later"}, status_code=503)
        self.requests.append((dict(request.headers), body))
        try:
            payload = verify_signature(self.secrets[path], request.headers.get(SIGNATURE_HEADER, ""), body,
                                       tolerance=300, seen=self.seen)
        except SignatureError as exc:
            self.rejected.append(str(exc))
            return JSONResponse({"error": str(exc)}, status_code=400)
        self.accepted.append(payload)
        return JSONResponse({"ok": True})


@pytest.fixture
async def webhook_receiver() -> AsyncIterator[Receiver]:
    port = free_port()
    receiver = Receiver(url=f"http://127.0.0.1:{port}")
    app = Starlette(routes=[Route("/{name}", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                                           timeout_graceful_shutdown=1, lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    yield receiver
    server.should_exit = True
    await asyncio.wait_for(task, 10)
