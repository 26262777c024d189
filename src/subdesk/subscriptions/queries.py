"""Read models of a customer's subscriptions, loading their plans in one query."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from subdesk.audit.log import subscription_history
from subdesk.billing.tax.charge import gross_of
from subdesk.context import Work
from subdesk.models import AuditEvent, Plan, Subscription
from subdesk.money import Money
from subdesk.schemas import MoneyOut
from subdesk.subscriptions import addons, repository
from subdesk.subscriptions.addon_rules import can_renew_again
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.schemas import AddonOut, SubscriptionOut


def _plans(work: Work, subscriptions: list[Subscription]) -> dict[uuid.UUID, Plan]:
    ids = {s.plan_id for s in subscriptions} | {
        s.pending_plan_id for s in subscriptions if s.pending_plan_id
    }
    if not ids:
        return {}
    return {p.id: p for p in work.session.scalars(select(Plan).where(Plan.id.in_(ids)))}


def describe(work: Work, subscriptions: list[Subscription]) -> list[SubscriptionOut]:
    mains = [s.id for s in subscriptions if s.main_subscription_id is None]
    addons_of = addons.of_mains(work, mains)
    plans = _plans(work, subscriptions + [a for found in addons_of.values() for a in found])
    described = [
        SubscriptionOut.of(
            s,
            plans[s.plan_id],
            plans[s.pending_plan_id] if s.pending_plan_id else None,
            work.now,
            [_addon_of(s, a, plans[a.plan_id]) for a in addons_of.get(s.id, [])],
        )
        for s in subscriptions
    ]
    for subscription, out in zip(subscriptions, described, strict=True):
        _with_tax(work, subscription, out)
    return described


def _with_tax(work: Work, subscription: Subscription, out: SubscriptionOut) -> None:
    """The next charge as the card will be charged it: tax added where the law adds it."""
    if out.next_charge is None:
        return
    price = Money(out.next_charge.amount.amount, out.next_charge.amount.currency)
    gross = gross_of(
        work,
        subscription.account_id,
        price,
        subscription.current_period_end,
        payment_method_id=subscription.payment_method_id,
    )
    out.next_charge.amount = MoneyOut.from_money(gross)


def _addon_of(main: Subscription, addon: Subscription, plan: Plan) -> AddonOut:
    status = Status(addon.status)
    return AddonOut(
        id=addon.id,
        plan=plan.name,
        status=addon.status,
        auto_renew=addon.auto_renew,
        can_renew_again=can_renew_again(addons.view_of(main), status, addon.auto_renew),
    )


def list_subscriptions(work: Work, account_id: uuid.UUID) -> list[SubscriptionOut]:
    return describe(work, repository.list_owned(work.session, account_id))


def get_subscription(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> SubscriptionOut:
    return describe(work, [repository.get_owned(work.session, account_id, subscription_id)])[0]


def history(work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID) -> list[AuditEvent]:
    repository.get_owned(work.session, account_id, subscription_id)
    return subscription_history(work.session, subscription_id)
