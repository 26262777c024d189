"""API shapes of subscriptions, cancellations, receipts and history."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from subdesk.billing.refunds import RefundBasis
from subdesk.models import AuditEvent, Cancellation, Plan, Subscription
from subdesk.schemas import Input, MoneyOut
from subdesk.subscriptions.bundles import ServiceEnd
from subdesk.subscriptions.cancellation import AddonPreview, Preview, When
from subdesk.subscriptions.views import next_charge, protection


class SubscribeIn(Input):
    plan_id: uuid.UUID
    payment_method_id: uuid.UUID
    auto_renew_consent: bool = Field(
        description="The separate, unticked auto-renewal box. Must be true to subscribe."
    )
    disclosure_version: int | None = Field(
        default=None, description="The version of the terms the customer saw."
    )
    currency: str | None = Field(
        default=None,
        min_length=3,
        max_length=3,
        description="The currency of the price the customer was shown (ISO 4217). An order "
        "whose currency is not the plan's is refused with 422 `currency_mismatch` before "
        "anything is charged or written.",
    )
    confirm_second_purchase: bool = Field(
        default=False,
        description="Buy a plan of a product the account already has, on purpose (for example "
        "for another person). Without it such an order is refused with 409 "
        "`already_subscribed` and the choices (upgrade, extend, buy anyway) before any charge.",
    )


class AutoRenewIn(Input):
    enabled: bool


class PaymentMethodChangeIn(Input):
    payment_method_id: uuid.UUID


class PlanChangeIn(Input):
    plan_id: uuid.UUID


class CancelIn(Input):
    when: When
    reason: str | None = Field(default=None, max_length=500)
    include_addons: bool = Field(
        default=False,
        description="The subscription's own add-ons always end with it; true ends every other "
        "add-on of the account in the same request, too.",
    )


class ServiceEndOut(BaseModel):
    service: str
    ends_at: datetime


class PlanRef(Input):
    id: uuid.UUID
    code: str
    name: str
    seats: int
    period: str


class NextChargeOut(BaseModel):
    date: datetime
    amount: MoneyOut


class AddonOut(BaseModel):
    """An add-on of a main subscription, as the main subscription shows it."""

    id: uuid.UUID
    plan: str
    status: str
    auto_renew: bool
    can_renew_again: bool = Field(
        description="Its renewal stopped (with the main plan, or on its own) and may be turned "
        "back on now: PUT its auto-renew to true."
    )


class SubscriptionOut(BaseModel):
    id: uuid.UUID
    plan: PlanRef
    pending_plan: PlanRef | None
    status: str
    channel: str
    auto_renew: bool
    started_at: datetime
    trial_ends_at: datetime | None
    current_period_start: datetime
    current_period_end: datetime
    protected: bool
    protected_until: datetime | None
    next_charge: NextChargeOut | None
    no_further_charges: bool
    main_subscription_id: uuid.UUID | None = Field(
        default=None, description="An add-on's main subscription, which it ends with."
    )
    addons: list[AddonOut] = Field(
        default_factory=list, description="A main subscription's add-ons, which end with it."
    )

    @classmethod
    def of(
        cls,
        sub: Subscription,
        plan: Plan,
        pending: Plan | None,
        now: datetime,
        addons: Sequence[AddonOut] = (),
    ) -> SubscriptionOut:
        charge = next_charge(sub, plan, pending)
        shield = protection(sub, now)
        return cls(
            id=sub.id,
            plan=_plan_ref(plan),
            pending_plan=_plan_ref(pending) if pending else None,
            status=sub.status,
            channel=sub.channel,
            auto_renew=sub.auto_renew,
            started_at=sub.started_at,
            trial_ends_at=sub.trial_ends_at,
            current_period_start=sub.current_period_start,
            current_period_end=sub.current_period_end,
            protected=shield.protected,
            protected_until=shield.until,
            next_charge=NextChargeOut(date=charge.date, amount=MoneyOut.from_money(charge.amount))
            if charge
            else None,
            no_further_charges=charge is None,
            main_subscription_id=sub.main_subscription_id,
            addons=list(addons),
        )


def _plan_ref(plan: Plan) -> PlanRef:
    return PlanRef(id=plan.id, code=plan.code, name=plan.name, seats=plan.seats, period=plan.period)


CHOICE_TITLES = {
    When.PERIOD_END: "Stop the renewal: stay protected until the end date, no further charges",
    When.NOW: "Cancel now: protection ends, refund as shown",
}


class ChoiceOut(BaseModel):
    when: When
    title: str
    refund: MoneyOut
    refund_basis: RefundBasis
    protected_until: datetime


class AddonChoiceOut(BaseModel):
    when: When = Field(description="The main subscription's choice this answers.")
    refund: MoneyOut
    refund_basis: RefundBasis
    protected_until: datetime


class AddonEndingOut(BaseModel):
    """An add-on that ends with the subscription: what each choice does to it."""

    subscription_id: uuid.UUID
    plan: str
    services_ending: list[str]
    choices: list[AddonChoiceOut]

    @classmethod
    def of(cls, addon: AddonPreview) -> AddonEndingOut:
        return cls(
            subscription_id=addon.subscription.id,
            plan=addon.plan.name,
            services_ending=[s.name for s in addon.plan.product.services],
            choices=[
                AddonChoiceOut(
                    when=c.when,
                    refund=MoneyOut.from_money(c.refund),
                    refund_basis=c.basis,
                    protected_until=c.protected_until,
                )
                for c in addon.choices
            ],
        )


class CancellationPreviewOut(BaseModel):
    subscription_id: uuid.UUID
    status: str
    end_date: datetime
    services_ending: list[str] = Field(
        description="Every service that ends, the add-ons' included."
    )
    choices: list[ChoiceOut]
    existing_cancellation_id: str | None
    addons: list[AddonEndingOut] = Field(
        default_factory=list,
        description="The add-ons that end with it, each with its refund under each choice.",
    )

    @classmethod
    def of(cls, preview: Preview) -> CancellationPreviewOut:
        sub = preview.subscription
        addons = [AddonEndingOut.of(a) for a in preview.addons]
        return cls(
            subscription_id=sub.id,
            status=sub.status,
            end_date=sub.access_ends_at or sub.current_period_end,
            services_ending=[s.name for s in preview.plan.product.services]
            + [name for a in addons for name in a.services_ending],
            choices=[
                ChoiceOut(
                    when=c.when,
                    title=CHOICE_TITLES[c.when],
                    refund=MoneyOut.from_money(c.refund),
                    refund_basis=c.basis,
                    protected_until=c.protected_until,
                )
                for c in preview.choices
            ],
            existing_cancellation_id=preview.existing.public_id if preview.existing else None,
            addons=addons,
        )


class CancellationOut(BaseModel):
    id: str = Field(examples=["CXL-7K3M-9Q2P-4HXA"])
    subscription_id: uuid.UUID
    when: str
    status: str
    requested_at: datetime
    protected_until: datetime
    refund: MoneyOut
    reason: str | None
    further_charges: Literal["none"] = "none"
    receipt: dict[str, Any]
    services_ending: list[ServiceEndOut] = Field(
        default_factory=list, description="Every service that ends, with its date."
    )
    addons: list[CancellationOut] = Field(
        default_factory=list,
        description="The add-ons cancelled with it: its own, and any others asked for.",
    )

    @classmethod
    def of(
        cls,
        cancellation: Cancellation,
        services: Sequence[ServiceEnd] = (),
        addons: Sequence[CancellationOut] = (),
    ) -> CancellationOut:
        return cls(
            id=cancellation.public_id,
            subscription_id=cancellation.subscription_id,
            when=cancellation.mode,
            status=cancellation.status,
            requested_at=cancellation.requested_at,
            protected_until=cancellation.effective_at,
            refund=MoneyOut.of(cancellation.refund_minor, cancellation.currency),
            reason=cancellation.reason,
            receipt=cancellation.receipt,
            services_ending=[ServiceEndOut(service=s.service, ends_at=s.ends_at) for s in services],
            addons=list(addons),
        )


class PlanChangeOut(BaseModel):
    change: str
    subscription: SubscriptionOut


class VerifyIn(Input):
    receipt: dict[str, Any]


class VerifyOut(BaseModel):
    valid: bool


class PublicKeyOut(BaseModel):
    key_id: str
    algorithm: str
    public_key: str


class PublicKeysOut(BaseModel):
    keys: list[PublicKeyOut]


class HistoryEventOut(BaseModel):
    occurred_at: datetime
    actor: str
    action: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    reason: str | None

    @classmethod
    def of(cls, event: AuditEvent) -> HistoryEventOut:
        return cls(
            occurred_at=event.occurred_at,
            actor=event.actor_type,
            action=event.action,
            before=event.before,
            after=event.after,
            reason=event.reason,
        )
