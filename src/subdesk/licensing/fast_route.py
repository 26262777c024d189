"""The check-in served as plain ASGI: documented by FastAPI like any route (licensing/api.py),
but answered before routing, without dependency injection, a threadpool hop or response
validation (the hot path).

The lookup runs on the event loop: it is one indexed SELECT on a connection kept open
(microseconds on SQLite, one round trip on PostgreSQL), cheaper than handing it to a thread.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.errors import SubdeskError
from subdesk.licensing.checkin import answer_check_in_of, mark_seen
from subdesk.licensing.devices import token_digest
from subdesk.licensing.schemas import CheckInOut
from subdesk.operations import health
from subdesk.operations.metrics import count_check_in

PATH = "/api/v1/licenses/check-in"
TOO_FAST = "Too many requests from this device. Try again later."
_JSON = (b"content-type", b"application/json")


class CheckInFastPath:
    """Answers POST /api/v1/licenses/check-in ahead of routing and of every other middleware
    (the portal's session and CSRF cookies mean nothing to an app with a device token);
    anything else goes on to `app`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"] == PATH and scope["method"] == "POST":
            await serve_check_in(scope, receive, send)
        else:
            await self.app(scope, receive, send)


def limit_device(state: Any, device_key: str, address: str) -> None:
    """Count the request against the device and its client address (429 with Retry-After)."""
    state.device_limiter.hit([device_key], TOO_FAST)
    state.device_address_limiter.hit([f"ip:{address}"], TOO_FAST)


def check_in_body(state: Any, token: str, address: str) -> bytes:
    """Limit, answer from a read-only connection, write `last_seen_at` only when it is due."""
    digest = token_digest(token)
    limit_device(state, f"token:{digest}", address)
    database: Database = state.database
    runtime: Runtime = state.runtime
    # A Core connection of the read engine kept open in autocommit (never SQLite's write
    # lock) rather than an ORM session: one SELECT needs no more.
    answer = database.kept.read(lambda conn: answer_check_in_of(conn, runtime, digest))
    if answer.seen_due and answer.device_id is not None:
        with database.transaction() as session:
            mark_seen(Work(session, runtime, client_ip=address), answer.device_id)
    count_check_in(answer.verdict.code)
    return CheckInOut.json_of(answer)


async def serve_check_in(scope: Scope, receive: Receive, send: Send) -> None:
    client = scope.get("client")
    address = client[0] if client else "unknown"
    status, headers = 200, [_JSON]
    try:
        body = check_in_body(scope["app"].state, _bearer_token(scope), address)
    except SubdeskError as refusal:  # rendered as the app's error handler renders it
        status, body, headers = _refused(refusal, headers)
    except Exception as error:  # ahead of the app's handlers: a database outage is ours
        if not health.is_outage(error):
            raise
        status, body, headers = _refused(health.outage(), headers)
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _refused(
    refusal: SubdeskError, headers: list[tuple[bytes, bytes]]
) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
    count_check_in(refusal.code)
    retry_after = getattr(refusal, "retry_after", None)
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))
    return refusal.status, json.dumps(refusal.as_body()).encode(), headers


def _bearer_token(scope: Scope) -> str:
    """The credentials of `Authorization: Bearer <token>`; empty (an unknown device) if none."""
    for name, value in scope["headers"]:
        if name == b"authorization":
            scheme, _, credentials = value.decode("latin-1").partition(" ")
            return credentials.strip() if scheme.lower() == "bearer" else ""
    return ""
