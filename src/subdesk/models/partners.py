"""Service providers (partners), their API keys, and the subscriptions they provision."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class Partner(Base):
    __tablename__ = "partners"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # Where "Reactivate the service" asks whether the customer's billing problem is resolved.
    status_url: Mapped[str | None] = mapped_column(String(500))
    created_at: Mapped[datetime]


class PartnerKey(Base):
    """An API key of a partner: only its SHA-256 is kept, and a prefix to tell keys apart."""

    __tablename__ = "partner_keys"

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), index=True)
    prefix: Mapped[str] = mapped_column(String(20), unique=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class PartnerSubscription(Base):
    """A subscription a partner provisioned, known to it by its own `external_id`."""

    __tablename__ = "partner_subscriptions"
    __table_args__ = (UniqueConstraint("partner_id", "external_id"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    partner_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("partners.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(100))
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"), unique=True)
    created_at: Mapped[datetime]
