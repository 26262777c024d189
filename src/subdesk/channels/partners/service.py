"""Partner use cases: provision, suspend, resume, cancel and read a subscription by the
partner's own `external_id`; and the customer's "reactivate", checked with the provider."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from subdesk.accounts import recovery
from subdesk.accounts.service import find_by_email, invited_account
from subdesk.catalog.service import get_plan, plan_of
from subdesk.channels.partners.rules import Command, effect, resolved
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.models import Account, Partner, PartnerSubscription, Plan, Subscription
from subdesk.notifications import webhooks
from subdesk.subscriptions import repository
from subdesk.subscriptions.cancellation import end_addons
from subdesk.subscriptions.channels import Channel
from subdesk.subscriptions.periods import Period, period_bounds
from subdesk.subscriptions.purchase import new_subscription
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.snapshot import audit_change, event_data, snapshot

EVENTS = {
    Command.SUSPEND: "subscription.suspended",
    Command.RESUME: "subscription.resumed",
    Command.CANCEL: "subscription.canceled",
}


@dataclass(frozen=True, slots=True)
class Provision:
    external_id: str
    email: str
    plan_code: str
    country: str
    locale: str | None = None
    name: str | None = None


def _plan_by_code(work: Work, code: str) -> Plan:
    plan_id = work.session.scalars(select(Plan.id).where(Plan.code == code)).first()
    if plan_id is None:
        raise NotFound("No plan with this code.", code="unknown_plan", field="plan")
    return get_plan(work.session, plan_id, field="plan")


def _link(work: Work, partner_id: uuid.UUID, external_id: str) -> PartnerSubscription | None:
    query = select(PartnerSubscription).where(
        PartnerSubscription.partner_id == partner_id,
        PartnerSubscription.external_id == external_id,
    )
    return work.session.scalars(query).first()


def owned(work: Work, partner: Partner, external_id: str, *, lock: bool = False) -> Subscription:
    """The partner's own subscription; another partner's is simply not found."""
    link = _link(work, partner.id, external_id)
    subscription = (
        work.session.get(Subscription, link.subscription_id, with_for_update=lock) if link else None
    )
    if subscription is None:
        raise NotFound("No subscription with this external_id.", field="external_id")
    return subscription


def provision(work: Work, partner: Partner, order: Provision) -> tuple[Subscription, bool]:
    """Protection for a provider's customer; repeating it returns the same subscription."""
    link = _link(work, partner.id, order.external_id)
    if link is not None:
        return _same_order(work, link, order), False
    plan = _plan_by_code(work, order.plan_code)
    account = find_by_email(work.session, order.email)
    if account is not None and account.closed_at is not None:
        raise Conflict("This customer's account is closed.", code="account_closed", field="email")
    invited = account is None
    if account is None:
        account = invited_account(
            work, email=order.email, name=order.name, country=order.country, locale=order.locale
        )
    subscription = new_subscription(
        work, account.id, plan, method_id=None, channel=Channel.PROVIDER, with_trial=False
    )
    subscription.next_notice_at = None  # the provider bills and tells its customers
    work.session.add(subscription)
    work.session.flush()
    work.session.add(
        PartnerSubscription(
            partner_id=partner.id,
            external_id=order.external_id,
            subscription_id=subscription.id,
            created_at=work.now,
        )
    )
    audit_change(
        work,
        subscription,
        "subscription.created",
        None,
        f"provisioned by {partner.name}",
        after=_after(subscription),
    )
    if invited:
        recovery.invite(work, account, partner.name)
    webhooks.emit(work, "subscription.created", event_data(subscription, plan=plan.code))
    return subscription, True


def _same_order(work: Work, link: PartnerSubscription, order: Provision) -> Subscription:
    subscription = work.session.get(Subscription, link.subscription_id)
    assert subscription is not None  # noqa: S101 - kept by the foreign key
    account = work.session.get(Account, subscription.account_id)
    account_email = account.email if account else None
    plan = plan_of(work, subscription.plan_id)
    if account_email != order.email.strip().lower() or plan.code != order.plan_code:
        raise Conflict(
            "This external_id was already provisioned for another customer or plan.",
            code="external_id_reused",
            field="external_id",
        )
    return subscription


def apply(work: Work, partner: Partner, external_id: str, command: Command) -> Subscription:
    """Suspend, resume or cancel as the partner says; a repeat changes nothing."""
    subscription = owned(work, partner, external_id, lock=True)
    _apply(work, subscription, command, f"{command.value} by {partner.name}")
    return subscription


def _apply(work: Work, subscription: Subscription, command: Command, reason: str) -> None:
    target = effect(command, Status(subscription.status))
    if target is None:
        return
    before = snapshot(subscription)
    subscription.status = target.value
    if command is Command.SUSPEND:
        subscription.next_action_at = None
    elif command is Command.RESUME:
        _restart_period_if_lapsed(work, subscription)
    else:
        subscription.auto_renew = False
        subscription.canceled_at = subscription.access_ends_at = work.now
        subscription.next_action_at = None
    subscription.updated_at = work.now
    audit_change(work, subscription, EVENTS[command], before, reason, after=_after(subscription))
    webhooks.emit(work, EVENTS[command], event_data(subscription, reason=reason))
    if command is Command.CANCEL:  # the add-ons bought beside it end with it
        end_addons(work, subscription, f"ended:{subscription.id}", reason=reason)


def _restart_period_if_lapsed(work: Work, subscription: Subscription) -> None:
    """A suspension long enough to pass the period end resumes into a fresh period."""
    if subscription.current_period_end <= work.now:
        plan = plan_of(work, subscription.plan_id)
        start, end = period_bounds(work.now, Period(plan.period), 1)
        subscription.anchor_at, subscription.period_number = (
            work.now,
            subscription.period_number + 1,
        )
        subscription.current_period_start, subscription.current_period_end = start, end
    subscription.next_action_at = subscription.current_period_end


def _after(subscription: Subscription) -> dict[str, object]:
    return {**snapshot(subscription), "channel": subscription.channel}


def reactivation_check(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID
) -> tuple[str, str]:
    """Where to ask the provider (its status address and the customer's external_id)."""
    subscription = repository.get_owned(work.session, account_id, subscription_id)
    link = work.session.scalars(
        select(PartnerSubscription).where(PartnerSubscription.subscription_id == subscription.id)
    ).first()
    if link is None or subscription.status != Status.SUSPENDED:
        raise Conflict(
            "Only a subscription your provider suspended can be reactivated here.",
            code="not_suspended_by_provider",
        )
    partner = work.session.get(Partner, link.partner_id)
    if partner is None or not partner.status_url:
        raise InvalidRequest(
            "Your provider cannot be asked from here; contact them to resume the service.",
            code="provider_not_reachable",
        )
    return partner.status_url, link.external_id


def reactivate(
    work: Work, account_id: uuid.UUID, subscription_id: uuid.UUID, provider_status: str
) -> Subscription:
    """Resume at once if the provider says the problem is resolved; otherwise say so."""
    subscription = repository.get_owned(work.session, account_id, subscription_id, lock=True)
    if not resolved(provider_status):
        raise Conflict(
            "Your provider still reports a billing problem on your account, so the service "
            "stays paused. Contact your provider; protection comes back by itself as soon as "
            "they resume it.",
            code="provider_still_suspended",
        )
    _apply(work, subscription, Command.RESUME, "the provider confirmed it is resolved")
    return subscription
