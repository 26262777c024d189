"""Cancellation declarations received through the public "cancel contracts here" page."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class CancellationDeclaration(Base):
    """What the person declared, when it was received, and what subdesk did with it. Kept."""

    __tablename__ = "cancellation_declarations"

    id: Mapped[uuid.UUID] = uuid_pk()
    public_id: Mapped[str] = mapped_column(String(20), unique=True)
    received_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(20))  # ordinary | extraordinary
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    contract: Mapped[str | None] = mapped_column(String(100))
    requested_end: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("accounts.id"), index=True)
    # applied | needs_review (extraordinary, or nothing matched: support follows up)
    # | disputed (the account holder said through the emailed link that it was not them)
    status: Mapped[str] = mapped_column(String(20))
    cancellation_ids: Mapped[list[str]] = mapped_column(JSON)
    client_ip: Mapped[str | None] = mapped_column(String(45))
    # The "this wasn't me" link emailed to the account: only its SHA-256 digest is kept.
    dispute_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    dispute_expires_at: Mapped[datetime | None]
    disputed_at: Mapped[datetime | None]
