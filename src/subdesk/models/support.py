"""Support desk tables: staff with their sessions and API tokens, cases with their messages,
refund exceptions."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.accounts import Account, PaymentMethod
from subdesk.models.base import Base, uuid_pk
from subdesk.models.licensing import Device


class StaffMember(Base):
    """An agent, supervisor or admin: Argon2 password and a TOTP secret for the second factor."""

    __tablename__ = "staff_members"

    id: Mapped[uuid.UUID] = uuid_pk()
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))  # agent | supervisor | admin
    password_hash: Mapped[str] = mapped_column(String(200))
    # Kept as given at enrolment: a TOTP check needs the secret itself, not a digest.
    totp_secret: Mapped[str] = mapped_column(String(64))
    # The last 30-second step a code was accepted for: a code is never accepted twice.
    last_totp_step: Mapped[int | None]
    must_change_password: Mapped[bool]
    status: Mapped[str] = mapped_column(String(10))  # active | disabled
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class StaffSession(Base):
    """A signed-in console session; the cookie holds the token, only its SHA-256 is kept."""

    __tablename__ = "staff_sessions"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_members.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class StaffToken(Base):
    """A bearer token of the agent API; the client holds the token, only its SHA-256 is kept."""

    __tablename__ = "staff_tokens"

    id: Mapped[uuid.UUID] = uuid_pk()
    staff_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_members.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class SupportCase(Base):
    """A case; its number is CASE- and the id, zero-padded to six digits."""

    __tablename__ = "support_cases"
    __table_args__ = (Index("ix_support_cases_status_created_at", "status", "created_at"),)

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subject: Mapped[str] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    priority: Mapped[str] = mapped_column(String(10))
    assignee_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("staff_members.id"), index=True
    )
    opened_by: Mapped[str] = mapped_column(String(10))  # customer | staff
    escalated_at: Mapped[datetime | None]
    first_response_due_at: Mapped[datetime]
    first_responded_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class CaseMessage(Base):
    """A message of a case from either side, or an internal note the customer never sees."""

    __tablename__ = "case_messages"

    id: Mapped[uuid.UUID] = uuid_pk()
    case_id: Mapped[int] = mapped_column(ForeignKey("support_cases.id"), index=True)
    author_type: Mapped[str] = mapped_column(String(10))  # customer | staff
    author_id: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    internal: Mapped[bool]
    created_at: Mapped[datetime]


class RefundException(Base):
    """A refund beyond policy: requested by one staff member, decided by a supervisor."""

    __tablename__ = "refund_exceptions"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    subscription_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("subscriptions.id"))
    amount_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), index=True)  # pending | approved | rejected
    requested_by: Mapped[uuid.UUID] = mapped_column(ForeignKey("staff_members.id"))
    requested_at: Mapped[datetime]
    decided_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("staff_members.id"))
    decided_at: Mapped[datetime | None]
    decision_reason: Mapped[str | None] = mapped_column(Text)


# Search keys of the agent console on other domains' tables (migration 0014 adds them).
Index("ix_accounts_name", Account.name)
Index("ix_devices_name", Device.name)
Index(
    "ix_payment_methods_card", PaymentMethod.last4, PaymentMethod.exp_year, PaymentMethod.exp_month
)
