"""API shapes of the agent API's customer view: the account and its records, the timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from subdesk.agent.api.schemas import CaseOut, ExceptionOut, RefundOut
from subdesk.models import (
    Account,
    AuditEvent,
    Device,
    Invoice,
    OutboxEmail,
    PaymentMethod,
)
from subdesk.schemas import MoneyOut
from subdesk.subscriptions.schemas import SubscriptionOut
from subdesk.support.actions import ProviderCheck, RefundRoom
from subdesk.support.search import Hit


class CustomerHitOut(BaseModel):
    id: uuid.UUID
    email: str | None
    name: str | None
    country: str
    created_at: datetime
    closed_at: datetime | None
    matched_by: str

    @classmethod
    def of(cls, hit: Hit) -> CustomerHitOut:
        a = hit.account
        return cls(
            id=a.id,
            email=a.email,
            name=a.name,
            country=a.country,
            created_at=a.created_at,
            closed_at=a.closed_at,
            matched_by=hit.matched_by,
        )


class CustomerAccountOut(BaseModel):
    id: uuid.UUID
    email: str | None
    name: str | None
    country: str
    region: str | None
    locale: str
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def of(cls, a: Account) -> CustomerAccountOut:
        return cls(
            id=a.id,
            email=a.email,
            name=a.name,
            country=a.country,
            region=a.region,
            locale=a.locale,
            created_at=a.created_at,
            closed_at=a.closed_at,
        )


class AgentSubscriptionOut(SubscriptionOut):
    """The customer's subscription with what could still be refunded (None once it ended)."""

    refund_within_policy: MoneyOut | None
    refundable: MoneyOut | None

    @classmethod
    def with_room(cls, sub: SubscriptionOut, room: RefundRoom | None) -> AgentSubscriptionOut:
        return cls(
            **sub.model_dump(),
            refund_within_policy=MoneyOut.from_money(room.within_policy) if room else None,
            refundable=MoneyOut.from_money(room.refundable) if room else None,
        )


class DeviceOut(BaseModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    name: str
    platform: str
    status: str
    activated_at: datetime
    last_seen_at: datetime
    removed_at: datetime | None

    @classmethod
    def of(cls, d: Device) -> DeviceOut:
        return cls(
            id=d.id,
            subscription_id=d.subscription_id,
            name=d.name,
            platform=d.platform,
            status=d.status,
            activated_at=d.activated_at,
            last_seen_at=d.last_seen_at,
            removed_at=d.removed_at,
        )


class CardOut(BaseModel):
    """What a person needs to recognise a card: never the gateway's token."""

    id: uuid.UUID
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    removed_at: datetime | None

    @classmethod
    def of(cls, c: PaymentMethod) -> CardOut:
        return cls(
            id=c.id,
            brand=c.brand,
            last4=c.last4,
            exp_month=c.exp_month,
            exp_year=c.exp_year,
            removed_at=c.removed_at,
        )


class InvoiceOut(BaseModel):
    id: uuid.UUID
    number: str
    subscription_id: uuid.UUID
    description: str
    amount: MoneyOut
    issued_at: datetime

    @classmethod
    def of(cls, i: Invoice) -> InvoiceOut:
        return cls(
            id=i.id,
            number=i.number,
            subscription_id=i.subscription_id,
            description=i.description,
            amount=MoneyOut.of(i.amount_minor, i.currency),
            issued_at=i.issued_at,
        )


class EmailOut(BaseModel):
    """An email as queued and sent; its context (which may hold links) stays inside."""

    id: uuid.UUID
    template: str
    subject: str | None
    status: str
    created_at: datetime
    sent_at: datetime | None

    @classmethod
    def of(cls, e: OutboxEmail) -> EmailOut:
        return cls(
            id=e.id,
            template=e.template,
            subject=e.subject,
            status=e.status,
            created_at=e.created_at,
            sent_at=e.sent_at,
        )


class CustomerOut(BaseModel):
    account: CustomerAccountOut
    subscriptions: list[AgentSubscriptionOut]
    devices: list[DeviceOut]
    payment_methods: list[CardOut]
    invoices: list[InvoiceOut]
    refunds: list[RefundOut]
    refund_exceptions: list[ExceptionOut]
    emails: list[EmailOut]
    cases: list[CaseOut]


class TimelineEventOut(BaseModel):
    id: int
    occurred_at: datetime
    action: str
    actor_type: str
    actor_id: str | None
    actor_name: str | None = Field(description="The staff member's name, for staff actions.")
    entity_type: str
    entity_id: str
    subscription_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None

    @classmethod
    def of(cls, e: AuditEvent, names: dict[str, str]) -> TimelineEventOut:
        staff_name = names.get(e.actor_id or "") if e.actor_type == "staff" else None
        return cls(
            id=e.id,
            occurred_at=e.occurred_at,
            action=e.action,
            actor_type=e.actor_type,
            actor_id=e.actor_id,
            actor_name=staff_name,
            entity_type=e.entity_type,
            entity_id=e.entity_id,
            subscription_id=e.subscription_id,
            before=e.before,
            after=e.after,
            reason=e.reason,
        )


class ResentOut(BaseModel):
    email_id: uuid.UUID = Field(description="The new copy in the outbox.")


class ProviderCheckOut(BaseModel):
    provider_status: str
    reactivated: bool
    message: str
    subscription: SubscriptionOut

    @classmethod
    def of(cls, checked: ProviderCheck, subscription: SubscriptionOut) -> ProviderCheckOut:
        return cls(
            provider_status=checked.provider_status,
            reactivated=checked.reactivated,
            message=checked.message,
            subscription=subscription,
        )
