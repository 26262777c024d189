"""API shapes of the agent API: what staff send; staff, refunds, exceptions, cases and
billing problems as they see them (customers: `customer_schemas`)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from subdesk.models import Account, Cancellation, Payment
from subdesk.schemas import Input, MoneyOut
from subdesk.subscriptions.cancellation import When
from subdesk.support.billing_problems import Duplicate, Report, Resolved
from subdesk.support.rules import case_number

REASON = "Why (5 to 1000 characters), kept with the audit event."

# --- what staff send ------------------------------------------------------------------------


class StaffSignIn(Input):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(max_length=20, description="The current TOTP code of the authenticator.")


class ReasonIn(Input):
    reason: str = Field(description=REASON)


class MoneyIn(Input):
    amount: int = Field(gt=0, description="Minor units, e.g. 1999 for 19.99.")
    currency: str = Field(min_length=3, max_length=3, examples=["USD"])


class AgentCancelIn(Input):
    when: When
    reason: str = Field(description=REASON)


class AgentRefundIn(Input):
    amount: MoneyIn | None = Field(
        default=None, description="Omitted: everything the policy allows now."
    )
    reason: str = Field(description=REASON)


class ExceptionIn(Input):
    amount: MoneyIn
    reason: str = Field(description=REASON)


class CaseTextIn(Input):
    body: str = Field(description="1 to 10,000 characters.")


class CaseChangeIn(Input):
    """Only what is sent changes; `assignee_id: null` unassigns."""

    status: str | None = None
    priority: str | None = None
    assignee_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=1000)


# --- read from records ----------------------------------------------------------------------


class RecordOut(BaseModel):
    """A response read from one database record with `model_validate(record)`: each field is
    the record's attribute of that name, and a `MoneyOut` field `x` is the record's `x_minor`
    in its `currency` (so a model with money reads its other fields by name, not alias)."""

    model_config = ConfigDict(from_attributes=True)

    @model_validator(mode="before")
    @classmethod
    def _money_in_minor_units(cls, record: Any) -> Any:
        money = {name for name, f in cls.model_fields.items() if f.annotation is MoneyOut}
        if not money or isinstance(record, dict):
            return record
        return {
            name: MoneyOut.of(getattr(record, f"{name}_minor"), record.currency)
            if name in money
            else getattr(record, name)
            for name in cls.model_fields
        }


# --- staff and tokens ------------------------------------------------------------------------


class StaffOut(RecordOut):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str


class StaffTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime
    staff: StaffOut


# --- refunds, exceptions, cases -------------------------------------------------------------


class RefundOut(RecordOut):
    id: uuid.UUID
    payment_id: uuid.UUID
    subscription_id: uuid.UUID
    amount: MoneyOut
    reason: str
    created_at: datetime


class CaseOut(RecordOut):
    # `number` is read from the case's id, `escalated` from its escalated_at.
    number: str = Field(validation_alias="id")
    account_id: uuid.UUID
    subject: str
    category: str
    status: str
    priority: str
    assignee_id: uuid.UUID | None
    opened_by: str
    escalated: bool = Field(validation_alias="escalated_at")
    first_response_due_at: datetime
    first_responded_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @field_validator("number", mode="before")
    @classmethod
    def _number(cls, case_id: int) -> str:
        return case_number(case_id)

    @field_validator("escalated", mode="before")
    @classmethod
    def _escalated(cls, escalated_at: datetime | None) -> bool:
        return escalated_at is not None


class ExceptionOut(RecordOut):
    id: uuid.UUID
    account_id: uuid.UUID
    subscription_id: uuid.UUID
    amount: MoneyOut
    status: str
    reason: str
    requested_by: uuid.UUID
    requested_at: datetime
    decided_by: uuid.UUID | None
    decided_at: datetime | None
    decision_reason: str | None


class MessageOut(RecordOut):
    id: uuid.UUID
    author_type: str
    author_id: str
    internal: bool
    body: str
    created_at: datetime


class CaseThreadOut(BaseModel):
    case: CaseOut
    messages: list[MessageOut] = Field(description="Oldest first, internal notes included.")


# --- billing problems -----------------------------------------------------------------------


class PaymentOut(RecordOut):
    id: uuid.UUID
    account_id: uuid.UUID
    subscription_id: uuid.UUID
    kind: str
    period_number: int
    amount: MoneyOut
    refunded: MoneyOut
    captured_at: datetime


class CustomerRefOut(BaseModel):
    """Whom a row is about: the account, its name and email (null once closed)."""

    id: uuid.UUID
    name: str | None
    email: str | None

    @classmethod
    def of(cls, account_id: uuid.UUID, customers: dict[uuid.UUID, Account]) -> CustomerRefOut:
        account = customers.get(account_id)
        return cls(
            id=account_id,
            name=account.name if account else None,
            email=account.email if account else None,
        )


class DuplicateOut(BaseModel):
    kind: str
    customer: CustomerRefOut
    payment: PaymentOut
    kept_id: uuid.UUID = Field(description="The payment or subscription that stays.")
    refundable: MoneyOut

    @classmethod
    def of(cls, d: Duplicate, customers: dict[uuid.UUID, Account]) -> DuplicateOut:
        return cls(
            kind=d.kind.value,
            customer=CustomerRefOut.of(d.payment.account_id, customers),
            payment=PaymentOut.model_validate(d.payment),
            kept_id=d.kept_id,
            refundable=MoneyOut.of(d.refundable, d.payment.currency),
        )


class ResolvedDuplicateOut(BaseModel):
    customer: CustomerRefOut
    refund: RefundOut
    status: str = Field(description="The refund's: pending, succeeded or failed.")
    plan: str
    by: str = Field(description='"subdesk" (the worker, on its own) or the staff member.')
    subscription_ended: bool = Field(
        description="A second purchase: its subscription was ended, nothing renews."
    )

    @classmethod
    def of(cls, r: Resolved, customers: dict[uuid.UUID, Account]) -> ResolvedDuplicateOut:
        return cls(
            customer=CustomerRefOut.of(r.refund.account_id, customers),
            refund=RefundOut.model_validate(r.refund),
            status=r.refund.status,
            plan=r.plan.name,
            by=r.by,
            subscription_ended=r.ended,
        )


class ChargedAfterCancellationOut(BaseModel):
    customer: CustomerRefOut
    payment: PaymentOut
    cancellation_id: str
    canceled_effective_at: datetime

    @classmethod
    def of(
        cls, payment: Payment, canceled: Cancellation, customers: dict[uuid.UUID, Account]
    ) -> ChargedAfterCancellationOut:
        return cls(
            customer=CustomerRefOut.of(payment.account_id, customers),
            payment=PaymentOut.model_validate(payment),
            cancellation_id=canceled.public_id,
            canceled_effective_at=canceled.effective_at,
        )


class BillingProblemsOut(BaseModel):
    duplicates: list[DuplicateOut]
    resolved_duplicates: list[ResolvedDuplicateOut] = Field(
        description="The latest duplicates refunded, newest first."
    )
    charged_after_cancellation: list[ChargedAfterCancellationOut]

    @classmethod
    def of(cls, report: Report) -> BillingProblemsOut:
        who = report.customers
        return cls(
            duplicates=[DuplicateOut.of(d, who) for d in report.duplicates],
            resolved_duplicates=[ResolvedDuplicateOut.of(r, who) for r in report.resolved],
            charged_after_cancellation=[
                ChargedAfterCancellationOut.of(payment, canceled, who)
                for payment, canceled in report.after_cancellation
            ],
        )
