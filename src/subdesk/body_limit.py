"""Refuses a request body over the limit before it is read into memory (413)."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subdesk.errors import TooLarge

# The largest thing subdesk accepts is a 1 MB page for the trust check, JSON-escaped.
MAX_BODY_BYTES = 4 * 1024 * 1024


class BodyLimit:
    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _refuse(send, self.limit)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise _Overflow
            return message

        try:
            await self.app(scope, counted, send)
        except _Overflow:
            await _refuse(send, self.limit)


class _Overflow(Exception):
    """A body without a length grew past the limit while it was read."""


async def _refuse(send: Send, limit: int) -> None:
    error = TooLarge(f"The request is larger than {limit // (1024 * 1024)} MB.")
    body = json.dumps(error.as_body()).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
