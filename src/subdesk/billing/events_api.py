"""The processor's webhooks: `POST /api/v1/gateways/{name}/events`, verified, applied once."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool

from subdesk.audit.log import Actor
from subdesk.billing import processor_events
from subdesk.errors import NotFound
from subdesk.http import database_of, runtime_of, work_of
from subdesk.schemas import ERRORS
from subdesk.support.dispute_evidence import open_dispute_case

router = APIRouter(prefix="/api/v1/gateways", tags=["billing"], responses=ERRORS)
PROCESSOR = Actor("processor", "stripe")


@router.post("/{name}/events")
async def processor_event(name: str, request: Request) -> JSONResponse:
    """Stripe's webhook events (signed with the endpoint's secret, `Stripe-Signature`): 200
    once applied, or for a replay or a type subdesk does not act on; 400 for a bad signature
    or a malformed event, so that Stripe shows the failure and sends it again."""
    if name != "stripe":
        raise NotFound("No such processor.", field="name")
    secret = runtime_of(request).settings.stripe_webhook_secret
    payload = await request.body()
    event = processor_events.verify_stripe(
        payload,
        request.headers.get("stripe-signature"),
        secret.get_secret_value() if secret else None,
    )
    outcome = await run_in_threadpool(_apply, request, name, event)  # the database blocks
    return JSONResponse({"received": True, "outcome": outcome})


def _apply(request: Request, name: str, event: dict[str, Any]) -> str:
    try:
        with database_of(request).transaction() as session:
            work = work_of(request, session, PROCESSOR)
            return processor_events.receive(work, name, event, open_dispute_case)
    except IntegrityError:  # the same event, delivered twice at once: the other applied it
        return "replayed"
