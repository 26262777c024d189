"""What a processor tells subdesk by webhook: refunds completed or failed, payments that
succeeded later, disputes opened, won or lost; each event applied once, in any order.

Every event is kept by its id in the same transaction as its effect, so a replay
is answered 200 and changes nothing. Handlers read the state the event's object
is in (not the step it describes), so events that arrive out of order converge
on the processor's state: a refund already failed stays failed, a dispute won or
lost stays closed. Stripe's signature scheme is checked with Stripe's SDK.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import stripe
from sqlalchemy import update

from subdesk.billing import disputes, refund_attempts
from subdesk.billing.charge_attempts import lease_of
from subdesk.billing.gateway import RefundReceipt
from subdesk.context import Work
from subdesk.errors import InvalidRequest, NotFound
from subdesk.models import PaymentAttempt, ProcessorEvent, Refund
from subdesk.money import Money

REFERENCE = "subdesk_reference"
SIGNATURE_TOLERANCE_SECONDS = 300  # Stripe's default: older signed events are replays


class BadSignature(InvalidRequest):
    code = "bad_signature"


def verify_stripe(payload: bytes, signature: str | None, secret: str | None) -> dict[str, Any]:
    """The event, if Stripe's signature over it is good and recent; else 400."""
    if not secret:
        raise NotFound("Processor events are not configured.", code="not_configured")
    try:
        text = payload.decode("utf-8")
        stripe.WebhookSignature.verify_header(
            text, signature, secret, tolerance=SIGNATURE_TOLERANCE_SECONDS
        )
        event = json.loads(text)
    except (UnicodeDecodeError, stripe.SignatureVerificationError):
        raise BadSignature(
            "The event's signature does not match.", field="Stripe-Signature"
        ) from None
    except ValueError:
        raise InvalidRequest("The event is not JSON.", code="invalid_event") from None
    if not (
        isinstance(event, dict)
        and isinstance(event.get("id"), str)
        and isinstance(event.get("type"), str)
        and isinstance(event.get("data"), dict)
        and isinstance(event["data"].get("object"), dict)
    ):
        raise InvalidRequest("The event lacks an id, a type or an object.", code="invalid_event")
    return event


Handler = Callable[[Work, dict[str, Any], datetime], str]


def receive(work: Work, gateway: str, event: dict[str, Any], open_case: disputes.CaseOpener) -> str:
    """Apply one verified event once; returns what it did ("replayed" for a repeat)."""
    event_id, kind = event["id"][:100], event["type"][:80]
    if work.session.get(ProcessorEvent, (gateway, event_id)) is not None:
        return "replayed"
    at = _moment(event.get("created"), work.now)
    handler = _handlers(open_case).get(kind)
    outcome = handler(work, event["data"]["object"], at) if handler else "ignored"
    work.session.add(
        ProcessorEvent(
            gateway=gateway, event_id=event_id, type=kind, outcome=outcome[:40],
            received_at=work.now,
        )
    )  # fmt: skip
    work.session.flush()  # a parallel delivery of the same event fails here, changing nothing
    return outcome


def _handlers(open_case: disputes.CaseOpener) -> dict[str, Handler]:
    dispute: Handler = lambda work, obj, at: _dispute(work, obj, at, open_case)  # noqa: E731
    return {
        "refund.created": _refund,
        "refund.updated": _refund,
        "refund.failed": _refund,
        "charge.refund.updated": _refund,
        "payment_intent.succeeded": _payment,
        "payment_intent.payment_failed": _payment,
        **{
            f"charge.dispute.{step}": dispute
            for step in ("created", "updated", "closed", "funds_withdrawn", "funds_reinstated")
        },
    }


def _reference(obj: dict[str, Any]) -> uuid.UUID | None:
    metadata = obj.get("metadata")
    value = metadata.get(REFERENCE) if isinstance(metadata, dict) else None
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def _refund(work: Work, obj: dict[str, Any], _at: datetime) -> str:
    """A refund's state at the processor: succeeded, or failed (also after succeeding)."""
    refund_id = _reference(obj)
    row = work.session.get(Refund, refund_id) if refund_id else None
    if row is None:
        return "unknown_refund"
    status = obj.get("status")
    if status == "succeeded":
        receipt = RefundReceipt(str(obj.get("id")), "", Money(row.amount_minor, row.currency))
        return refund_attempts.refund_succeeded(work, row.id, receipt)
    if status in ("failed", "canceled"):
        why = str(obj.get("failure_reason") or status)
        return refund_attempts.refund_failed(work, row.id, why, after_success=True)
    return "unchanged"


def _payment(work: Work, obj: dict[str, Any], _at: datetime) -> str:
    """A payment whose outcome subdesk is still waiting for: the reconciler asks for it at
    once (dated back by the lease: the processor has answered), and reads the answer itself,
    so a forged or stale event decides nothing."""
    attempt_id = _reference(obj)
    if attempt_id is None:
        return "unknown_payment"
    nudged = (
        work.session.connection()
        .execute(
            update(PaymentAttempt)
            .where(PaymentAttempt.id == attempt_id, PaymentAttempt.state == "pending")
            .values(state="unknown", updated_at=work.now - lease_of(work.settings))
        )
        .rowcount
    )
    return "reconcile" if nudged else "unchanged"


def _dispute(work: Work, obj: dict[str, Any], at: datetime, open_case: disputes.CaseOpener) -> str:
    amount, currency = obj.get("amount"), obj.get("currency")
    if not (isinstance(amount, int) and amount >= 0 and isinstance(currency, str)):
        raise InvalidRequest("A dispute needs an amount and a currency.", code="invalid_event")
    charge_ids = tuple(str(obj[k]) for k in ("payment_intent", "charge") if obj.get(k))
    report = disputes.DisputeReport(
        gateway_dispute_id=str(obj.get("id"))[:100],
        charge_ids=charge_ids,
        amount=Money(amount, currency.upper()),
        reason=str(obj.get("reason") or "unstated"),
        status=str(obj.get("status") or "needs_response"),
        at=at,
    )
    return disputes.apply_dispute(work, report, open_case)


def _moment(value: object, default: datetime) -> datetime:
    if isinstance(value, int) and 0 < value < 2**40:
        return datetime.fromtimestamp(value, UTC)
    return default
