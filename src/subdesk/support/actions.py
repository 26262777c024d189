"""What staff do on a customer's behalf, each with a reason and an audit event of its own."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from subdesk.audit.log import record
from subdesk.billing import ledger
from subdesk.billing.refunds import RefundBasis
from subdesk.catalog.service import plan_of
from subdesk.channels.partners import service as partners
from subdesk.channels.partners.rules import resolved
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.licensing import devices
from subdesk.models import Cancellation, Payment, Refund, StaffMember, Subscription
from subdesk.money import Money
from subdesk.notifications import messages
from subdesk.notifications.outbox import queue_email_to
from subdesk.subscriptions import cancellation, lifecycle
from subdesk.subscriptions import repository as subscriptions
from subdesk.subscriptions.cancellation import When
from subdesk.subscriptions.channels import Channel
from subdesk.support import repository
from subdesk.support.rules import (
    Permission,
    can_resend,
    checked_reason,
    policy_allowance,
    require,
    split_refund,
)


def audit(
    work: Work,
    action: str,
    account_id: uuid.UUID,
    entity: tuple[str, Any],
    reason: str,
    *,
    subscription_id: uuid.UUID | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """The staff action itself, beside the domain's own events: who, for whom, and why."""
    record(
        work.session,
        actor=work.actor,
        action=f"support.{action}",
        entity=entity,
        account_id=account_id,
        subscription_id=subscription_id,
        after=after,
        reason=reason,
        now=work.now,
    )


def cancel(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    when: When,
    reason: str,
) -> Cancellation:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    done = cancellation.cancel(work, account_id, subscription_id, when, why)
    audit(
        work,
        f"canceled_{when.value}",
        account_id,
        ("subscription", subscription_id),
        why,
        subscription_id=subscription_id,
        after={"cancellation_id": done.public_id},
    )
    return done


def turn_off_auto_renew(
    work: Work, staff: StaffMember, account_id: uuid.UUID, subscription_id: uuid.UUID, reason: str
) -> None:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    lifecycle.set_auto_renew(work, account_id, subscription_id, False)
    entity = ("subscription", subscription_id)
    audit(work, "auto_renew_disabled", account_id, entity, why, subscription_id=subscription_id)


def remove_device(
    work: Work, staff: StaffMember, account_id: uuid.UUID, device_id: uuid.UUID, reason: str
) -> None:
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    device = devices.get_owned(work, account_id, device_id)
    devices.remove(work, device, why)
    entity = ("device", device.id)
    audit(work, "device_removed", account_id, entity, why, subscription_id=device.subscription_id)


def resend_email(
    work: Work, staff: StaffMember, account_id: uuid.UUID, email_id: uuid.UUID, reason: str
) -> uuid.UUID:
    """Queue the same email again, from the outbox row as it was queued."""
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    row = repository.email(work.session, account_id, email_id)
    if row is None:
        raise NotFound("No such email of this customer.", code="email_not_found")
    if not can_resend(row.template) or row.context is None:
        raise Conflict("Only confirmations and receipts can be sent again.", code="not_resendable")
    new_id = queue_email_to(
        work,
        row.to_address,
        row.locale,
        row.template,
        row.context,
        dedupe_key=f"resend:{row.id}:{uuid.uuid4()}",
        account_id=account_id,
        subscription_id=row.subscription_id,
    )
    audit(work, "email_resent", account_id, ("email", row.id), why, after={"copy": str(new_id)})
    return new_id


def currency_of(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> str:
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    return plan_of(work, subscription.plan_id).currency


@dataclass(frozen=True, slots=True)
class RefundRoom:
    """How much of a subscription's money can come back: within policy, and at all."""

    within_policy: Money
    refundable: Money
    # Each payment of the current period, what may still come back of it, and on what basis.
    allowances: tuple[tuple[Payment, int, str], ...]


def refund_room(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> RefundRoom:
    """The policy's amounts for the current period (as "cancel now" computes them), per payment."""
    view = cancellation.preview(work, account_id, subscription_id)
    now = next((c for c in view.choices if c.when is When.NOW), None)
    allowances = tuple(
        (
            item.payment,
            policy_allowance(
                item.amount, item.basis is RefundBasis.PRO_RATA, ledger.taken_back(item.payment)
            ),
            item.basis.value,
        )
        for item in (now.refunds if now else ())
    )
    paid = repository.payments(work.session, subscription_id)
    currency = view.plan.currency
    return RefundRoom(
        Money(sum(a for _p, a, _b in allowances), currency),
        Money(sum(ledger.refundable(p) for p in paid), currency),
        allowances,
    )


def refund_within_policy(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    amount: int | None,
    reason: str,
    form_key: str,
) -> list[Refund]:
    """Refund up to what the policy allows now (all of it if `amount` is None); a repeated
    form (same key) refunds once."""
    require(staff.role, Permission.REFUND_WITHIN_POLICY)
    why = checked_reason(reason)
    if amount is not None and amount <= 0:
        raise Conflict("The amount must be more than zero.", code="invalid_amount", field="amount")
    done = _refunds_with_prefix(work, f"staff:{form_key}:")
    if done:
        return done
    room = refund_room(work, account_id, subscription_id)
    if amount is None:
        amount = room.within_policy.amount
        if amount <= 0:
            raise Conflict(
                "The policy allows no refund now; request an exception instead.",
                code="beyond_policy",
                field="amount",
            )
    parts = split_refund(amount, [a for _p, a, _b in room.allowances])
    made = []
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    plan = plan_of(work, subscription.plan_id)
    for (payment, _allowance, basis), part in zip(room.allowances, parts, strict=True):
        if part:
            key = f"staff:{form_key}:{payment.id}"
            row = ledger.refund(work, payment, part, reason=basis, idempotency_key=key)
            messages.refund_issued(work, subscription, plan, row)
            made.append(row)
    audit(
        work,
        "refund_within_policy",
        account_id,
        ("subscription", subscription_id),
        why,
        subscription_id=subscription_id,
        after={**Money(amount, plan.currency).as_dict(), "refunds": [str(r.id) for r in made]},
    )
    return made


def _refunds_with_prefix(work: Work, prefix: str) -> list[Refund]:
    query = select(Refund).where(Refund.idempotency_key.startswith(prefix, autoescape=True))
    return list(work.session.scalars(query))


# --- asking a service provider again -------------------------------------------------------

PROVIDER_CHECK_MESSAGES = {
    "active": "The provider says the customer's account is active again: the subscription "
    "is reactivated.",
    "suspended": "The provider still says this subscription is suspended, so nothing changed. "
    "The check is in the timeline.",
    "canceled": "The provider says it has canceled this subscription, so nothing changed here. "
    "The check is in the timeline.",
}


@dataclass(frozen=True, slots=True)
class ProviderCheck:
    """What the provider answered, and whether the subscription came back because of it."""

    subscription: Subscription
    provider_status: str

    @property
    def reactivated(self) -> bool:
        return resolved(self.provider_status)

    @property
    def message(self) -> str:
        return PROVIDER_CHECK_MESSAGES.get(self.provider_status, "")


def provider_to_ask(
    work: Work, staff: StaffMember, account_id: uuid.UUID, subscription_id: uuid.UUID, reason: str
) -> tuple[str, str]:
    """Where to ask the provider about a subscription it suspended: its status address and
    the customer's external_id. The question itself is asked outside any transaction."""
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    checked_reason(reason)
    subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    if subscription.channel != Channel.PROVIDER:
        raise Conflict(
            "This subscription is not billed by a service provider: there is no provider to ask.",
            code="not_a_provider_subscription",
        )
    try:
        return partners.reactivation_check(work, account_id, subscription_id)
    except Conflict as refused:
        raise Conflict(
            f"Only a suspended provider subscription can be checked; this one is "
            f"{subscription.status.replace('_', ' ')}.",
            code=refused.code,
        ) from None
    except InvalidRequest as refused:
        raise InvalidRequest(
            "This provider has no status address to ask; contact the provider instead.",
            code=refused.code,
        ) from None


def record_provider_check(
    work: Work,
    staff: StaffMember,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    provider_status: str,
    reason: str,
) -> ProviderCheck:
    """Reactivate if the provider says the problem is resolved; audited either way."""
    require(staff.role, Permission.ACT_FOR_CUSTOMER)
    why = checked_reason(reason)
    if resolved(provider_status):
        subscription = partners.reactivate(work, account_id, subscription_id, provider_status)
    else:
        subscription = subscriptions.get_owned(work.session, account_id, subscription_id)
    checked = ProviderCheck(subscription, provider_status)
    audit(
        work,
        "provider_checked",
        account_id,
        ("subscription", subscription_id),
        why,
        subscription_id=subscription_id,
        after={
            "provider_status": provider_status,
            "reactivated": checked.reactivated,
            "status": subscription.status,
        },
    )
    return checked
