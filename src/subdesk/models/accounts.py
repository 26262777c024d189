"""Account tables: customers, their API tokens, payment methods (never card data) and billing
addresses."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class Account(Base):
    __tablename__ = "accounts"

    id: Mapped[uuid.UUID] = uuid_pk()
    # Null once the account is closed and its personal data erased.
    email: Mapped[str | None] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    country: Mapped[str] = mapped_column(String(2))
    region: Mapped[str | None] = mapped_column(String(6))
    locale: Mapped[str] = mapped_column(String(10), default="en")
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class PaymentMethod(Base):
    """A card as the gateway's token plus what a person needs to recognise it."""

    __tablename__ = "payment_methods"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    gateway_token: Mapped[str] = mapped_column(String(100))
    brand: Mapped[str] = mapped_column(String(20))
    last4: Mapped[str] = mapped_column(String(4))
    exp_month: Mapped[int]
    exp_year: Mapped[int]
    # The card's issuing country as the processor reports it (evidence of where the customer
    # is, beside the billing address); None when the processor does not say.
    country: Mapped[str | None] = mapped_column(String(2))
    created_at: Mapped[datetime]
    removed_at: Mapped[datetime | None]


class PasswordReset(Base):
    """A one-time link to choose a new password; only its SHA-256 is kept."""

    __tablename__ = "password_resets"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class BillingAddress(Base):
    """Who is billed and where: it decides the tax jurisdiction and is printed on invoices.

    `vat_id` is kept only once checked (compact, with its prefix): a customer with one is a
    business. Erased when the account is closed (invoices carry their own copy)."""

    __tablename__ = "billing_addresses"

    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    line1: Mapped[str] = mapped_column(String(200))
    line2: Mapped[str | None] = mapped_column(String(200))
    postal_code: Mapped[str | None] = mapped_column(String(20))
    city: Mapped[str] = mapped_column(String(100))
    country: Mapped[str] = mapped_column(String(2))
    # The ISO 3166-2 subdivision without its country ("NY" for US-NY), like Account.region.
    subdivision: Mapped[str | None] = mapped_column(String(6))
    vat_id: Mapped[str | None] = mapped_column(String(20))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
