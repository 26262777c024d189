"""Bundles and add-ons: an add-on is bought beside a main subscription (which it follows, see
`addon_rules`) and adds its services to that account's devices; cancelling lists every
service that ends, with its date."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.errors import Conflict
from subdesk.models import Cancellation, Plan, Product, Subscription
from subdesk.subscriptions import addons
from subdesk.subscriptions.addon_rules import main_renews
from subdesk.subscriptions.cancellation import (
    When,
    addon_cancellations,
    cancel,
    cancel_locked,
    locked_for_cancel,
)
from subdesk.subscriptions.rules import LIVE, Status


@dataclass(frozen=True, slots=True)
class ServiceEnd:
    service: str
    ends_at: datetime


def addon_allowed(plan_is_addon: bool, base_statuses: list[Status]) -> bool:
    """An add-on needs a live main subscription on the same account; a main plan needs nothing."""
    return not plan_is_addon or any(status in LIVE for status in base_statuses)


def _live(work: Work, account_id: uuid.UUID, *, addon: bool) -> list[Subscription]:
    query = (
        select(Subscription)
        .join(Plan, Plan.id == Subscription.plan_id)
        .join(Product, Product.id == Plan.product_id)
        .where(
            Subscription.account_id == account_id,
            Subscription.status.in_([s.value for s in LIVE]),
            Product.addon.is_(addon),
        )
        .order_by(Subscription.started_at)
    )
    return list(work.session.scalars(query))


def live_addons(work: Work, account_id: uuid.UUID) -> list[Subscription]:
    return _live(work, account_id, addon=True)


def check_addon_purchase(work: Work, account_id: uuid.UUID, plan: Plan) -> uuid.UUID | None:
    """Refuse an add-on without a main subscription that renews; returns the main
    subscription a new add-on joins (None for a main plan): the renewing one that runs
    longest."""
    if not plan.product.addon:
        return None
    bases = _live(work, account_id, addon=False)
    if not addon_allowed(True, [Status(s.status) for s in bases]):
        raise Conflict(
            "An add-on is bought beside a main subscription: buy a protection plan first.",
            code="addon_needs_main_plan",
            field="plan_id",
        )
    renewing = [s for s in bases if main_renews(addons.view_of(s))]
    if not renewing:
        raise Conflict(
            "An add-on renews only with your protection plan, and yours does not renew: turn "
            "its auto-renew on first.",
            code="addon_main_not_renewing",
            field="plan_id",
        )
    return max(renewing, key=lambda s: s.current_period_end).id


def is_addon(work: Work, subscription: Subscription) -> bool:
    return plan_of(work, subscription.plan_id).product.addon


def services_ending(work: Work, subscription: Subscription, ends_at: datetime) -> list[ServiceEnd]:
    """Every service of the subscription's plan, each ending at `ends_at`."""
    plan = plan_of(work, subscription.plan_id)
    return [ServiceEnd(service.name, ends_at) for service in plan.product.services]


@dataclass(frozen=True, slots=True)
class Canceled:
    """A customer's cancellation, its subscription, and the add-on cancellations it made."""

    cancellation: Cancellation
    subscription: Subscription
    addons: list[Cancellation]


def cancel_with_addons(
    work: Work,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    when: When,
    reason: str | None,
    include_addons: bool,
) -> Canceled:
    """Cancel a subscription, which ends its own add-ons with it, and, if asked, every other
    add-on of the account too (on the same terms, each under its own refund rules)."""
    subscription = locked_for_cancel(work, account_id, subscription_id)
    done = cancel_locked(work, subscription, when, reason)
    ended = addon_cancellations(work, done)
    if not include_addons or is_addon(work, subscription):
        return Canceled(done, subscription, ended)
    ending = {c.subscription_id for c in ended}
    others = [a for a in live_addons(work, account_id) if a.id not in ending]
    also = [cancel(work, account_id, a.id, when, reason) for a in others]
    return Canceled(done, subscription, ended + also)
