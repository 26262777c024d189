"""Signed outgoing webhooks (Standard Webhooks): events fanned out to endpoints, with retries.

An event is written as one delivery row per subscribed endpoint inside the
transaction of the change it reports, so it is sent only if that change
committed. Deliveries are claimed under row locks, POSTed with the
`webhook-id`, `webhook-timestamp` and `webhook-signature` headers, and retried
after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h before they are given up.
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from standardwebhooks.webhooks import Webhook

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.db import Database, append_row
from subdesk.errors import InvalidRequest, NotFound
from subdesk.models import WebhookDelivery, WebhookEndpoint
from subdesk.notifications.queue import claim_next
from subdesk.operations.logging import current_request_id, working_on

log = logging.getLogger("subdesk.webhooks")

RETRY_AFTER = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=10),
)
EVENT_TYPES = (
    "subscription.created",
    "subscription.renewed",
    "subscription.canceled",
    "subscription.expired",
    "payment.failed",
    "refund.created",
)


def add_endpoint(work: Work, url: str, event_types: list[str]) -> tuple[WebhookEndpoint, str]:
    """Register an endpoint; returns it with its signing secret (shown once to the operator)."""
    if not url.startswith(("https://", "http://")):
        raise InvalidRequest("A webhook URL starts with https:// or http://.", field="url")
    unknown = sorted(set(event_types) - {*EVENT_TYPES, "*"})
    if unknown or not event_types:
        raise InvalidRequest(
            f"Unknown event types: {unknown or 'none given'}.", field="event_types"
        )
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    endpoint = WebhookEndpoint(url=url, secret=secret, event_types=event_types, created_at=work.now)
    work.session.add(endpoint)
    work.session.flush()
    audit(
        work,
        action="webhook_endpoint.added",
        entity=("webhook_endpoint", endpoint.id),
        after={"url": url, "event_types": event_types},
    )
    return endpoint, secret


def emit(work: Work, event_type: str, data: dict[str, Any]) -> str:
    """Queue `event_type` for every endpoint that subscribes to it; returns the event id."""
    event_id = f"evt_{secrets.token_hex(12)}"
    payload = {"type": event_type, "timestamp": work.now.isoformat(), "data": data}
    for endpoint in _active_endpoints(work):
        if "*" in endpoint.event_types or event_type in endpoint.event_types:
            delivery = dict(
                id=uuid.uuid4(),
                endpoint_id=endpoint.id,
                event_id=event_id,
                event_type=event_type,
                payload=payload,
                status="pending",
                attempts=0,
                next_attempt_at=work.now,
                created_at=work.now,
                request_id=current_request_id(),
            )
            append_row(work.session, WebhookDelivery, delivery)
    return event_id


def _active_endpoints(work: Work) -> list[WebhookEndpoint]:
    cached = work.cache.get("webhook_endpoints")
    if not isinstance(cached, list):
        query = select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True))
        cached = work.cache["webhook_endpoints"] = list(work.session.scalars(query))
    return cached


def recent_deliveries(work: Work, status: str | None, limit: int) -> list[WebhookDelivery]:
    """The newest deliveries first, of one status if given."""
    query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc()).limit(limit)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    return list(work.session.scalars(query))


def redeliver(work: Work, delivery_id: uuid.UUID) -> WebhookDelivery:
    delivery = work.session.get(WebhookDelivery, delivery_id, with_for_update=True)
    if delivery is None:
        raise NotFound("No such webhook delivery.", field="delivery_id")
    before = {"status": delivery.status, "attempts": delivery.attempts}
    delivery.status, delivery.attempts, delivery.next_attempt_at = "pending", 0, work.now
    audit(
        work,
        action="webhook_delivery.redelivered",
        entity=("webhook_delivery", delivery.id),
        before=before,
        after={"status": "pending", "attempts": 0},
    )
    return delivery


def deliver_due(
    database: Database, now: datetime, *, limit: int = 100, timeout: float = 10.0
) -> int:
    """POST what is due; returns how many were delivered."""
    delivered = 0
    for _ in range(limit):
        with database.transaction() as session:
            delivery = claim_next(session, WebhookDelivery, now)
            if delivery is None:
                return delivered
            endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
            assert endpoint is not None  # noqa: S101 - deliveries keep their endpoint
            with working_on(delivery.request_id):
                status, error = _post(endpoint, delivery, timeout)
                _log_delivery(delivery, status, error)
            delivery.attempts += 1
            delivery.last_status_code, delivery.last_error = status, error
            if status is not None and 200 <= status < 300:
                delivery.status, delivery.delivered_at = "delivered", now
                delivered += 1
            elif delivery.attempts > len(RETRY_AFTER):
                delivery.status = "failed"
            else:
                delivery.next_attempt_at = now + RETRY_AFTER[delivery.attempts - 1]
    return delivered


def _log_delivery(delivery: WebhookDelivery, status: int | None, error: str | None) -> None:
    ids = {"delivery_id": str(delivery.id), "event_type": delivery.event_type}
    if status is not None and 200 <= status < 300:
        log.info("webhook delivered", extra=ids)
    else:
        log.warning("webhook not delivered: %s", error, extra=ids)


def _post(
    endpoint: WebhookEndpoint, delivery: WebhookDelivery, timeout: float
) -> tuple[int | None, str | None]:
    body = json.dumps(delivery.payload, separators=(",", ":"))
    # The signature's timestamp is the wall clock: receivers check it against theirs.
    sent_at = datetime.now(UTC)
    message_id = f"msg_{delivery.id.hex}"
    signature = Webhook(endpoint.secret).sign(message_id, sent_at, body)
    request = urllib.request.Request(  # noqa: S310 - the scheme is checked when the endpoint is added
        endpoint.url,
        data=body.encode(),
        method="POST",
        headers={
            "content-type": "application/json",
            "user-agent": "subdesk-webhooks",
            "webhook-id": message_id,
            "webhook-timestamp": str(int(sent_at.timestamp())),
            "webhook-signature": signature,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), None
    except urllib.error.HTTPError as error:
        return error.code, f"HTTP {error.code}"
    except (urllib.error.URLError, OSError) as error:
        return None, f"{type(error).__name__}: {error}"[:500]
