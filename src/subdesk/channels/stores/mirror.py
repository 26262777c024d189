"""Bring a store subscription's `Subscription` in line with what the store last said.

Every change goes through the state machine (`subscriptions/rules.py`), is audited
with the store as the actor, and sends the webhook the direct channel sends for the
same change. subdesk never charges these: `next_action_at` is only the moment the
worker ends one the store stopped talking about.
"""

from __future__ import annotations

from typing import Any

from subdesk.channels.stores import repository
from subdesk.channels.stores.rules import RESTART, Phase, Step, StoreState, Target, step, target
from subdesk.context import Work
from subdesk.models import Plan, StoreSubscription, Subscription
from subdesk.notifications import webhooks
from subdesk.subscriptions.cancellation import end_addons
from subdesk.subscriptions.channels import Channel
from subdesk.subscriptions.lifecycle import stop_addons_renewing
from subdesk.subscriptions.periods import Period, add_months
from subdesk.subscriptions.purchase import new_subscription
from subdesk.subscriptions.rules import FINAL, LIVE, Status, next_status
from subdesk.subscriptions.snapshot import audit_change, event_data, snapshot

CHANNELS = {"apple": Channel.APP_STORE, "google": Channel.GOOGLE_PLAY}


def state_of(row: StoreSubscription) -> StoreState:
    return StoreState(
        phase=Phase(row.phase) if row.phase else None,
        phase_at=row.phase_at,
        grace_until=row.grace_until,
        expires_at=row.expires_at,
        auto_renew=row.auto_renew,
        auto_renew_at=row.auto_renew_at,
        last_event_at=row.last_event_at,
    )


def keep_state(row: StoreSubscription, state: StoreState) -> None:
    row.phase = state.phase.value if state.phase else None
    row.phase_at, row.grace_until, row.expires_at = (
        state.phase_at,
        state.grace_until,
        state.expires_at,
    )
    row.auto_renew, row.auto_renew_at = state.auto_renew, state.auto_renew_at
    row.last_event_at = state.last_event_at


def mirror(work: Work, row: StoreSubscription, plan: Plan | None, reason: str) -> None:
    """Create, update or leave the subscription; nothing until the account and plan are known."""
    goal = target(state_of(row))
    if goal is None or row.account_id is None or plan is None:
        return
    current = (
        repository.locked_subscription(work.session, row.subscription_id)
        if row.subscription_id
        else None
    )
    if current is None:
        if goal.status in LIVE:
            _create(work, row, plan, goal, reason)
        return
    change = step(Status(current.status), current.current_period_end, current.auto_renew, goal)
    if change is RESTART:
        _create(work, row, plan, goal, reason)
    elif change is not None:
        _apply(work, current, goal, change, reason)


def _create(work: Work, row: StoreSubscription, plan: Plan, goal: Target, reason: str) -> None:
    account_id = row.account_id
    if account_id is None:
        return
    channel = CHANNELS[row.store]
    subscription = new_subscription(
        work,
        account_id,
        plan,
        method_id=None,
        channel=channel.value,
        auto_renew=goal.auto_renew,
        with_trial=False,
    )
    start = min(work.now, add_months(goal.period_end, -Period(plan.period).months))
    subscription.anchor_at = subscription.current_period_start = start
    subscription.next_notice_at = None  # the store sends its own reminders
    _copy(subscription, goal)
    subscription.status = goal.status.value
    work.session.add(subscription)
    work.session.flush()
    row.subscription_id = subscription.id
    audit_change(
        work, subscription, "subscription.created", None, reason, after=_view(subscription)
    )
    webhooks.emit(work, "subscription.created", event_data(subscription, plan=plan.code))


def _apply(work: Work, subscription: Subscription, goal: Target, change: Step, reason: str) -> None:
    before = _view(subscription)
    if change.transition is not None:
        subscription.status = next_status(Status(subscription.status), change.transition).value
    if change.new_period:
        subscription.period_number += 1
        subscription.current_period_start = subscription.current_period_end
    _copy(subscription, goal)
    if subscription.status == Status.CANCELED:
        subscription.canceled_at = subscription.canceled_at or work.now
    if _view(subscription) == before:
        return
    subscription.updated_at = work.now
    audit_change(work, subscription, change.action, before, reason, after=_view(subscription))
    if change.webhook:
        webhooks.emit(work, change.webhook, event_data(subscription, reason=reason))
    _follow_with_addons(work, subscription, reason)


def _follow_with_addons(work: Work, subscription: Subscription, reason: str) -> None:
    """Add-ons bought beside a store subscription end with it, or stop renewing with it."""
    if subscription.status in FINAL:
        end_addons(work, subscription, f"ended:{subscription.id}", reason=reason)
    elif not subscription.auto_renew:
        stop_addons_renewing(work, subscription, reason)


def _copy(subscription: Subscription, goal: Target) -> None:
    subscription.current_period_end = goal.period_end
    subscription.auto_renew = goal.auto_renew
    subscription.grace_ends_at = goal.grace_ends_at
    subscription.access_ends_at = goal.access_ends_at
    subscription.next_action_at = goal.next_action_at


def _view(subscription: Subscription) -> dict[str, Any]:
    grace = subscription.grace_ends_at
    return {
        **snapshot(subscription),
        "channel": subscription.channel,
        "grace_ends_at": grace.isoformat() if grace else None,
    }
