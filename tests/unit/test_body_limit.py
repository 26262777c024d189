"""A body without a declared length is cut off as soon as it passes the limit."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

from subdesk.body_limit import BodyLimit


def test_a_streamed_body_past_the_limit_gets_413_and_the_app_never_finishes_reading() -> None:
    sent: list[dict[str, Any]] = []
    chunks = [{"type": "http.request", "body": b"x" * 600, "more_body": True}] * 3

    async def receive() -> dict[str, Any]:
        return chunks.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    async def app(_scope: Any, receive: Any, _send: Any) -> None:
        while True:
            await receive()

    scope = {"type": "http", "headers": [], "path": "/api/v1/trust/check"}
    limited = BodyLimit(app, limit=1000)
    # A loop of its own in a thread of its own: the browser tests' loop may run in this one.
    worker = threading.Thread(target=lambda: asyncio.run(limited(scope, receive, send)))
    worker.start()
    worker.join(timeout=30)
    assert sent[0]["status"] == 413
    assert b"too_large" in sent[1]["body"]
