"""The calls a request's units of work left for after its answer (`db.after_answer`), made
once the response has been sent, in a worker thread: a customer who cancels is answered at
once, and the refund the cancellation wrote as pending reaches the processor right after."""

from __future__ import annotations

import anyio.to_thread
from starlette.types import ASGIApp, Receive, Scope, Send

from subdesk.db import answering, run_logged


class AfterAnswer:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with answering() as calls:
            await self.app(scope, receive, send)
        for call in calls:  # the answer is out; a failure leaves its intent to the worker
            await anyio.to_thread.run_sync(run_logged, call)
