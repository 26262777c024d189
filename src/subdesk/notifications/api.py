"""Operator endpoints for webhooks: register endpoints, see deliveries, redeliver."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from subdesk.context import Work
from subdesk.http import Bearer, as_operator, parse_uuid
from subdesk.models import WebhookDelivery
from subdesk.notifications import webhooks
from subdesk.schemas import ERRORS, Input

router = APIRouter(prefix="/api/v1/admin/webhooks", tags=["operations"], responses=ERRORS)


class EndpointIn(Input):
    url: str = Field(max_length=500, examples=["https://crm.example.com/hooks/subdesk"])
    event_types: list[str] = Field(default=["*"], examples=[["subscription.canceled"]])


class EndpointOut(BaseModel):
    id: uuid.UUID
    url: str
    event_types: list[str]
    secret: str | None = Field(default=None, description="Shown once, when the endpoint is made.")


class DeliveryOut(BaseModel):
    id: uuid.UUID
    endpoint_id: uuid.UUID
    event_id: str
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, row: WebhookDelivery) -> DeliveryOut:
        return cls.model_validate(row, from_attributes=True)


@router.post("/endpoints", response_model=EndpointOut, status_code=201)
def add_endpoint(body: EndpointIn, request: Request, bearer: Bearer) -> object:
    def handler(work: Work) -> EndpointOut:
        endpoint, secret = webhooks.add_endpoint(work, body.url, body.event_types)
        return EndpointOut(
            id=endpoint.id, url=endpoint.url, event_types=endpoint.event_types, secret=secret
        )

    return as_operator(request, bearer, handler, status=201)


@router.get("/deliveries", response_model=list[DeliveryOut])
def list_deliveries(
    request: Request, bearer: Bearer, status: str | None = None, limit: int = 100
) -> object:
    def handler(work: Work) -> list[DeliveryOut]:
        rows = webhooks.recent_deliveries(work, status or None, min(limit, 500))
        return [DeliveryOut.of(row) for row in rows]

    return as_operator(request, bearer, handler)


@router.post("/deliveries/{delivery_id}/redeliver", response_model=DeliveryOut)
def redeliver(delivery_id: str, request: Request, bearer: Bearer) -> object:
    found = parse_uuid(delivery_id, "delivery_id")
    return as_operator(
        request, bearer, lambda work: DeliveryOut.of(webhooks.redeliver(work, found))
    )
