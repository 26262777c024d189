"""API shapes of the agent API's customer view: the account and its records, the timeline."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from subdesk.accounts.schemas import AccountOut
from subdesk.agent.api.schemas import CaseOut, ExceptionOut, RecordOut, RefundOut
from subdesk.licensing.schemas import DeviceOut
from subdesk.models import AuditEvent
from subdesk.schemas import MoneyOut
from subdesk.subscriptions.schemas import SubscriptionOut
from subdesk.support.actions import ProviderCheck, RefundRoom
from subdesk.support.search import Hit


# Staff see what the customer sees of the account and device, and a little more (no
# docstrings: they would become the schemas' descriptions).
class CustomerAccountOut(AccountOut):
    model_config = ConfigDict(from_attributes=True)

    closed_at: datetime | None


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
        """The account found, flattened, with what matched it."""
        account = CustomerAccountOut.model_validate(hit.account).model_dump()
        return cls.model_validate({**account, "matched_by": hit.matched_by})


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


class CustomerDeviceOut(DeviceOut):
    model_config = ConfigDict(from_attributes=True)

    status: str
    removed_at: datetime | None


class CardOut(RecordOut):
    """What a person needs to recognise a card: never the gateway's token."""

    id: uuid.UUID
    brand: str
    last4: str
    exp_month: int
    exp_year: int
    removed_at: datetime | None


class CustomerInvoiceOut(RecordOut):
    id: uuid.UUID
    number: str
    subscription_id: uuid.UUID
    description: str
    amount: MoneyOut
    issued_at: datetime


class EmailOut(RecordOut):
    """An email as queued and sent; its context (which may hold links) stays inside."""

    id: uuid.UUID
    template: str
    subject: str | None
    status: str
    created_at: datetime
    sent_at: datetime | None


class CustomerOut(BaseModel):
    account: CustomerAccountOut
    subscriptions: list[AgentSubscriptionOut]
    devices: list[CustomerDeviceOut]
    payment_methods: list[CardOut]
    invoices: list[CustomerInvoiceOut]
    refunds: list[RefundOut]
    refund_exceptions: list[ExceptionOut]
    emails: list[EmailOut]
    cases: list[CaseOut]


class TimelineEventOut(RecordOut):
    # `actor_name` is read from the record's actor_id (see `_staff_name`); by name too, so
    # that it stays a keyword of its own for the type checker.
    model_config = ConfigDict(from_attributes=True, validate_by_name=True)

    id: int
    occurred_at: datetime
    action: str
    actor_type: str
    actor_id: str | None
    actor_name: str | None = Field(
        validation_alias="actor_id", description="The staff member's name, for staff actions."
    )
    entity_type: str
    entity_id: str
    subscription_id: uuid.UUID | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None

    @classmethod
    def of(cls, e: AuditEvent, names: dict[str, str]) -> TimelineEventOut:
        """The event, with the acting staff member's name looked up in `names` (id: name)."""
        return cls.model_validate(e, context={"staff_names": names})

    @field_validator("actor_name")
    @classmethod
    def _staff_name(cls, actor_id: str | None, info: ValidationInfo) -> str | None:
        if info.data.get("actor_type") != "staff" or not info.context:
            return None
        names: dict[str, str] = info.context["staff_names"]
        return names.get(actor_id or "")


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
