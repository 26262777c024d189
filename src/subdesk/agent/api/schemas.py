"""API shapes of the agent API: what staff send; staff, refunds, exceptions, cases and
billing problems as they see them (customers: `customer_schemas`)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from subdesk.models import (
    CaseMessage,
    Payment,
    Refund,
    RefundException,
    StaffMember,
    SupportCase,
)
from subdesk.schemas import MoneyOut
from subdesk.subscriptions.cancellation import When
from subdesk.support.billing_problems import Duplicate
from subdesk.support.rules import case_number

REASON = "Why (5 to 1000 characters), kept with the audit event."

# --- what staff send ------------------------------------------------------------------------


class StaffSignIn(BaseModel):
    email: str = Field(max_length=320)
    password: str = Field(min_length=1, max_length=256)
    code: str = Field(max_length=20, description="The current TOTP code of the authenticator.")


class ReasonIn(BaseModel):
    reason: str = Field(description=REASON)


class MoneyIn(BaseModel):
    amount: int = Field(gt=0, description="Minor units, e.g. 1999 for 19.99.")
    currency: str = Field(min_length=3, max_length=3, examples=["USD"])


class AgentCancelIn(BaseModel):
    when: When
    reason: str = Field(description=REASON)


class AgentRefundIn(BaseModel):
    amount: MoneyIn | None = Field(
        default=None, description="Omitted: everything the policy allows now."
    )
    reason: str = Field(description=REASON)


class ExceptionIn(BaseModel):
    amount: MoneyIn
    reason: str = Field(description=REASON)


class CaseTextIn(BaseModel):
    body: str = Field(description="1 to 10,000 characters.")


class CaseChangeIn(BaseModel):
    """Only what is sent changes; `assignee_id: null` unassigns."""

    status: str | None = None
    priority: str | None = None
    assignee_id: uuid.UUID | None = None
    reason: str | None = Field(default=None, max_length=1000)


# --- staff and tokens ------------------------------------------------------------------------


class StaffOut(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    role: str
    status: str

    @classmethod
    def of(cls, member: StaffMember) -> StaffOut:
        return cls(
            id=member.id,
            email=member.email,
            name=member.name,
            role=member.role,
            status=member.status,
        )


class StaffTokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime
    staff: StaffOut


# --- refunds, exceptions, cases -------------------------------------------------------------


class RefundOut(BaseModel):
    id: uuid.UUID
    payment_id: uuid.UUID
    subscription_id: uuid.UUID
    amount: MoneyOut
    reason: str
    created_at: datetime

    @classmethod
    def of(cls, r: Refund) -> RefundOut:
        return cls(
            id=r.id,
            payment_id=r.payment_id,
            subscription_id=r.subscription_id,
            amount=MoneyOut.of(r.amount_minor, r.currency),
            reason=r.reason,
            created_at=r.created_at,
        )


class CaseOut(BaseModel):
    number: str
    account_id: uuid.UUID
    subject: str
    category: str
    status: str
    priority: str
    assignee_id: uuid.UUID | None
    opened_by: str
    escalated: bool
    first_response_due_at: datetime
    first_responded_at: datetime | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, c: SupportCase) -> CaseOut:
        return cls(
            number=case_number(c.id),
            account_id=c.account_id,
            subject=c.subject,
            category=c.category,
            status=c.status,
            priority=c.priority,
            assignee_id=c.assignee_id,
            opened_by=c.opened_by,
            escalated=c.escalated_at is not None,
            first_response_due_at=c.first_response_due_at,
            first_responded_at=c.first_responded_at,
            created_at=c.created_at,
            updated_at=c.updated_at,
        )


class ExceptionOut(BaseModel):
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

    @classmethod
    def of(cls, x: RefundException) -> ExceptionOut:
        return cls(
            id=x.id,
            account_id=x.account_id,
            subscription_id=x.subscription_id,
            amount=MoneyOut.of(x.amount_minor, x.currency),
            status=x.status,
            reason=x.reason,
            requested_by=x.requested_by,
            requested_at=x.requested_at,
            decided_by=x.decided_by,
            decided_at=x.decided_at,
            decision_reason=x.decision_reason,
        )


class MessageOut(BaseModel):
    id: uuid.UUID
    author_type: str
    author_id: str
    internal: bool
    body: str
    created_at: datetime

    @classmethod
    def of(cls, m: CaseMessage) -> MessageOut:
        return cls(
            id=m.id,
            author_type=m.author_type,
            author_id=m.author_id,
            internal=m.internal,
            body=m.body,
            created_at=m.created_at,
        )


class CaseThreadOut(BaseModel):
    case: CaseOut
    messages: list[MessageOut] = Field(description="Oldest first, internal notes included.")


# --- billing problems -----------------------------------------------------------------------


class PaymentOut(BaseModel):
    id: uuid.UUID
    account_id: uuid.UUID
    subscription_id: uuid.UUID
    kind: str
    period_number: int
    amount: MoneyOut
    refunded: MoneyOut
    captured_at: datetime

    @classmethod
    def of(cls, p: Payment) -> PaymentOut:
        return cls(
            id=p.id,
            account_id=p.account_id,
            subscription_id=p.subscription_id,
            kind=p.kind,
            period_number=p.period_number,
            amount=MoneyOut.of(p.amount_minor, p.currency),
            refunded=MoneyOut.of(p.refunded_minor, p.currency),
            captured_at=p.captured_at,
        )


class DuplicateOut(BaseModel):
    kind: str
    payment: PaymentOut
    kept_id: uuid.UUID = Field(description="The payment or subscription that stays.")
    refundable: MoneyOut

    @classmethod
    def of(cls, d: Duplicate) -> DuplicateOut:
        return cls(
            kind=d.kind.value,
            payment=PaymentOut.of(d.payment),
            kept_id=d.kept_id,
            refundable=MoneyOut.of(d.refundable, d.payment.currency),
        )


class ChargedAfterCancellationOut(BaseModel):
    payment: PaymentOut
    cancellation_id: str
    canceled_effective_at: datetime


class BillingProblemsOut(BaseModel):
    duplicates: list[DuplicateOut]
    charged_after_cancellation: list[ChargedAfterCancellationOut]
