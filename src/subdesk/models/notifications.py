"""The transactional outbox: messages written with the change they announce, sent afterwards."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class OutboxEmail(Base):
    """An email: queued as a template and its context, rendered when sent and kept as sent."""

    __tablename__ = "outbox_emails"
    __table_args__ = (Index("ix_outbox_emails_status_created_at", "status", "created_at"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    # One message per purpose (e.g. "receipt:<payment>"), so a repeat never queues it twice.
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    account_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    subscription_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    template: Mapped[str] = mapped_column(String(40))
    locale: Mapped[str] = mapped_column(String(10))
    to_address: Mapped[str] = mapped_column(String(320))
    context: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    subject: Mapped[str | None] = mapped_column(String(300))
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    last_error: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    # The request that queued it (its log lines say the same), for following one through.
    request_id: Mapped[str | None] = mapped_column(String(64))


class Notice(Base):
    """A reminder or notice sent about a date, with the legal windows it landed in."""

    __tablename__ = "notices"
    __table_args__ = (UniqueConstraint("subscription_id", "kind", "target", "scheduled_days"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    target: Mapped[datetime]  # the date D it is about
    scheduled_days: Mapped[int]
    actual_days: Mapped[int]
    satisfied: Mapped[list[str]] = mapped_column(JSON)
    price_minor: Mapped[int | None]  # for price changes: the new price announced
    email_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("outbox_emails.id"))
    sent_at: Mapped[datetime]
