"""Each HTTP request's telemetry: its id (taken from X-Request-ID when sane, sent back),
its log line, and its count and duration by route template."""

from __future__ import annotations

import logging
import time
from typing import Any

from starlette.routing import Mount
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subdesk.operations import logging as work_log
from subdesk.operations import metrics

log = logging.getLogger("subdesk.requests")
UNMATCHED = "<unmatched>"  # every path no route matched, so scanners add no series


def route_of(scope: Scope) -> str:
    """The template of the route that answered (`/api/v1/subscriptions/{subscription_id}`),
    never the raw path: ids would make a series each."""
    route: Any = scope.get("route")
    if route is None:
        return UNMATCHED
    path = getattr(route, "path_format", None) or getattr(route, "path", None) or UNMATCHED
    return f"{path}/{{path}}" if isinstance(route, Mount) else str(path)


def request_id_of(scope: Scope) -> str:
    for name, value in scope["headers"]:
        if name == b"x-request-id":
            return work_log.accepted_request_id(value.decode("latin-1"))
    return work_log.new_request_id()


class RequestTelemetry:
    """Inside the check-in's fast path (which counts itself, by code) and around the rest."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        context = work_log.begin(request_id_of(scope))
        header = (b"x-request-id", context.request_id.encode())
        status = 500

        async def answer(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", ()), header]
            await send(message)

        try:
            await self.app(scope, receive, answer)
        finally:
            # On an unhandled error the context stays set: the app's last-resort handler,
            # outside this middleware, logs it and answers with this request's id (the
            # task, and the context with it, ends with the request).
            _finished(scope, status, time.perf_counter() - started)


def _finished(scope: Scope, status: int, seconds: float) -> None:
    route = route_of(scope)
    metrics.observe_request(route, scope["method"], status, seconds)
    log.info(
        "%s %s %d",
        scope["method"],
        route,
        status,
        extra={"path": scope["path"], "status": status, "duration_ms": round(seconds * 1000, 2)},
    )
