"""Claiming the next due message of an outbox (email or webhook) under a row lock."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.models import OutboxEmail, WebhookDelivery

Message = TypeVar("Message", OutboxEmail, WebhookDelivery)


def claim_next(session: Session, model: type[Message], now: datetime) -> Message | None:
    """The oldest pending message due by `now` that no other sender holds; locked until commit."""
    query = (
        select(model)
        .where(model.status == "pending", model.next_attempt_at <= now)
        .order_by(model.next_attempt_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return session.scalars(query).first()
