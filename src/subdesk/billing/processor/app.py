"""The sandbox processor's ASGI app: Stripe's routes behind auth, faults and idempotency keys.

Every `/v1` request passes, in order: the rate limit (429 with `Retry-After`),
the latency (an `asyncio.sleep`, so hundreds wait at once), the injected 500s,
the secret key, the form, the idempotency key (a repeat replays the first
response), the endpoint, and for a capture perhaps a withheld answer (the
payment is made; the client times out). `/_sandbox` is the sandbox-only
control API for tests: knobs, statistics, the payments made, forgetting keys, disputes,
reset.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from subdesk.billing.processor.errors import ApiError, invalid_request
from subdesk.billing.processor.faults import Dice, Faults, RateLimiter, updated
from subdesk.billing.processor.forms import parse_form
from subdesk.billing.processor.keys import IdempotencyKeys, fingerprint
from subdesk.billing.processor.payments import Payments
from subdesk.billing.processor.refunds import Refunds
from subdesk.billing.processor.state import State, Stats, new_id

Handler = Callable[..., dict[str, Any]]


class Processor:
    """Everything one sandbox processor keeps, so that `reset` can start it afresh."""

    def __init__(self, faults: Faults) -> None:
        self.initial = faults
        self.keys = IdempotencyKeys()
        self.stats = Stats()
        self.limiter = RateLimiter()
        self.reset()

    def reset(self) -> None:
        self.configure(self.initial)
        state = State()
        self.payments, self.refunds = Payments(state), Refunds(state)
        self.keys.forget_all()
        self.stats.reset()

    def configure(self, faults: Faults) -> None:
        self.faults, self.dice = faults, Dice(faults.seed)


@dataclass(frozen=True, slots=True)
class Endpoint:
    method: str
    path: str
    handler: Callable[[Processor], Handler]
    counts: str | None = None  # what a 200 from it counts in the statistics
    charges: bool = False  # a 200 may be a capture whose answer is withheld


ENDPOINTS = [
    Endpoint("POST", "/v1/customers", lambda p: p.payments.create_customer),
    Endpoint("POST", "/v1/payment_methods", lambda p: p.payments.create_payment_method),
    Endpoint("POST", "/v1/payment_methods/{object_id}/attach", lambda p: p.payments.attach),
    Endpoint("GET", "/v1/payment_intents/search", lambda p: p.payments.search_intents),
    Endpoint("POST", "/v1/payment_intents", lambda p: p.payments.create_intent, "captures", True),
    Endpoint("GET", "/v1/payment_intents/{object_id}", lambda p: p.payments.retrieve_intent),
    Endpoint(
        "POST",
        "/v1/payment_intents/{object_id}/confirm",
        lambda p: p.payments.confirm_intent,
        "captures",
        True,
    ),
    Endpoint("POST", "/v1/refunds", lambda p: p.refunds.create, "refunds"),
    Endpoint("GET", "/v1/refunds", lambda p: p.refunds.page),
    Endpoint("GET", "/v1/refunds/{object_id}", lambda p: p.refunds.retrieve),
]


def create_processor_app(faults: Faults | None = None) -> Starlette:
    processor = Processor(faults or Faults())
    routes = [
        Route(e.path, _api(processor, e), methods=[e.method], name=f"{e.method} {e.path}")
        for e in ENDPOINTS
    ]
    routes += _control_routes(processor)
    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: _unrecognized, Exception: _crashed},
    )
    app.state.processor = processor
    return app


def _api(processor: Processor, endpoint: Endpoint) -> Callable[[Request], Awaitable[Response]]:
    async def answer(request: Request) -> Response:
        processor.stats.count("requests")
        early = await _before(processor, request)
        if early is not None:
            return early
        status, payload, replayed = await _run(processor, endpoint, request)
        if status == 200 and endpoint.counts and not replayed:
            body = json.loads(payload)
            if endpoint.counts == "refunds" or body.get("status") == "succeeded":
                processor.stats.count(endpoint.counts)
                await _maybe_withhold(processor, endpoint)
        headers = {"Request-Id": new_id("req")}
        if replayed:
            headers["Idempotent-Replayed"] = "true"
        return Response(payload, status, headers, media_type="application/json")

    return answer


async def _before(processor: Processor, request: Request) -> Response | None:
    """The rate limit, latency, injected 500s and the key, before the endpoint runs."""
    faults = processor.faults
    wait = processor.limiter.retry_after(faults.rate_limit)
    if wait is not None:
        processor.stats.count("rate_limited")
        error = ApiError(
            429,
            "invalid_request_error",
            "Too many requests hit the API too quickly. We recommend an exponential backoff "
            "of your requests.",
            code="rate_limit",
        )
        return _error(error, {"Retry-After": str(max(1, math.ceil(wait)))})
    await asyncio.sleep(processor.dice.delay_seconds(faults))
    if processor.dice.chance(faults.error_500):
        processor.stats.count("errors_500")
        return _error(ApiError(500, "api_error", "Something went wrong on Stripe's end."))
    return _authenticate(request)


def _authenticate(request: Request) -> Response | None:
    header = request.headers.get("authorization", "")
    scheme, _, credential = header.partition(" ")
    if scheme.lower() == "basic":
        try:
            credential = base64.b64decode(credential, validate=True).decode().partition(":")[0]
        except (binascii.Error, UnicodeDecodeError):
            credential = ""
    elif scheme.lower() != "bearer":
        credential = ""
    if credential.startswith("sk_test_") and len(credential) > len("sk_test_"):
        return None
    message = (
        "Invalid API Key provided: " + (credential[:8] + "*" * 4 if credential else "")
        if credential
        else "You did not provide an API key. You need to provide your API key in the "
        "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
    )
    return _error(ApiError(401, "invalid_request_error", message))


async def _run(
    processor: Processor, endpoint: Endpoint, request: Request
) -> tuple[int, bytes, bool]:
    """The endpoint's status and body, or those kept for the request's idempotency key."""
    raw = await request.body() if endpoint.method == "POST" else request.url.query
    key = request.headers.get("idempotency-key") if endpoint.method == "POST" else None
    try:
        params = parse_form(raw)
        if key is not None and not 1 <= len(key) <= 255:
            raise invalid_request("Idempotency keys are 1 to 255 characters.")
        print_ = fingerprint(endpoint.method, request.url.path, params)
        if key is not None:
            kept = processor.keys.lookup(key, print_, processor.faults.forget_keys_after)
            if kept is not None:
                return kept.status, kept.body, True
        handler = endpoint.handler(processor)
        args = [request.path_params["object_id"]] if "object_id" in request.path_params else []
        status, body = 200, handler(*args, *([] if _takes_no_params(endpoint) else [params]))
    except ApiError as error:
        status, body = error.status, error.body()
    payload = json.dumps(body).encode()
    # Like Stripe, only requests that ran keep their answer: a charge made or refused.
    if key is not None and status in (200, 402):
        processor.keys.keep(key, print_, status, payload)
    return status, payload, False


def _takes_no_params(endpoint: Endpoint) -> bool:
    return endpoint.method == "GET" and "{object_id}" in endpoint.path


async def _maybe_withhold(processor: Processor, endpoint: Endpoint) -> None:
    faults = processor.faults
    if endpoint.charges and processor.dice.chance(faults.timeout_after_charge):
        processor.stats.count("withheld")
        await asyncio.sleep(faults.withhold_seconds)


def _control_routes(processor: Processor) -> list[Route]:
    """Sandbox only: no real processor has these."""

    async def config(request: Request) -> Response:
        if request.method == "POST":
            try:
                changes = json.loads(await request.body() or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("a JSON object of knobs")
                processor.configure(updated(processor.faults, changes))
            except ValueError as error:
                return _error(invalid_request(f"Invalid knobs: {error}"))
        return JSONResponse(processor.faults.as_dict())

    async def stats(request: Request) -> Response:
        return JSONResponse(processor.stats.snapshot())

    async def payments(request: Request) -> Response:
        return JSONResponse({"data": processor.payments.listing()})

    async def forget_keys(request: Request) -> Response:
        return JSONResponse({"forgotten": processor.keys.forget_all()})

    async def disputes(request: Request) -> Response:
        intent = request.query_params.get("payment_intent")
        try:
            return JSONResponse({"data": processor.refunds.open_disputes(intent)})
        except ApiError as error:
            return _error(error)

    async def reset(request: Request) -> Response:
        processor.reset()
        return JSONResponse({"reset": True})

    return [
        Route("/_sandbox/config", config, methods=["GET", "POST"]),
        Route("/_sandbox/stats", stats, methods=["GET"]),
        Route("/_sandbox/payments", payments, methods=["GET"]),
        Route("/_sandbox/forget-keys", forget_keys, methods=["POST"]),
        Route("/_sandbox/disputes", disputes, methods=["POST"]),
        Route("/_sandbox/reset", reset, methods=["POST"]),
    ]


def _error(error: ApiError, headers: dict[str, str] | None = None) -> Response:
    return JSONResponse(error.body(), error.status, headers)


async def _unrecognized(request: Request, exc: Exception) -> Response:
    status = exc.status_code if isinstance(exc, HTTPException) else 404
    message = f"Unrecognized request URL ({request.method}: {request.url.path[:200]})."
    return _error(ApiError(status, "invalid_request_error", message))


async def _crashed(request: Request, exc: Exception) -> Response:
    return _error(ApiError(500, "api_error", "Something went wrong on the sandbox's end."))
