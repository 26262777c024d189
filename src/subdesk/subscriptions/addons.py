"""An add-on's main subscription: which one it is, the add-ons of a main one, and waking them
for the worker when their main subscription ends there."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import Table, or_, select, update

from subdesk.context import Work
from subdesk.models import Subscription
from subdesk.subscriptions.addon_rules import MainPlan, main_plan
from subdesk.subscriptions.rules import LIVE
from subdesk.subscriptions.state import SubscriptionState

# The worker's claimed batch (id → its row as acted on so far), kept in `Work.cache`.
CLAIMED = "claimed_subscriptions"
_TABLE: Table = Subscription.__table__  # type: ignore[assignment]
_LIVE = [status.value for status in LIVE]


def view_of(main: SubscriptionState) -> MainPlan:
    return main_plan(main.status, main.auto_renew, main.current_period_end, main.access_ends_at)


def main_of(work: Work, addon: SubscriptionState) -> MainPlan | None:
    """What the add-on's rules read of its main subscription (None: it has none). In the
    worker, a main subscription of the same batch is read as acted on so far."""
    main_id = addon.main_subscription_id
    if main_id is None:
        return None
    claimed = work.cache.get(CLAIMED)
    if isinstance(claimed, dict) and main_id in claimed:
        return view_of(claimed[main_id])
    columns = (_TABLE.c.status, _TABLE.c.auto_renew, _TABLE.c.current_period_end)
    row = work.session.execute(
        select(*columns, _TABLE.c.access_ends_at).where(_TABLE.c.id == main_id)
    ).first()
    return None if row is None else main_plan(*row)


def of_main(work: Work, main_id: uuid.UUID, *, lock: bool = False) -> list[Subscription]:
    """The main subscription's add-ons that have not ended, oldest first."""
    query = (
        select(Subscription)
        .where(Subscription.main_subscription_id == main_id, Subscription.status.in_(_LIVE))
        .order_by(Subscription.started_at, Subscription.id)
    )
    if lock:
        query = query.with_for_update()
    return list(work.session.scalars(query))


def of_mains(work: Work, main_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[Subscription]]:
    """Every add-on of these main subscriptions, whatever its status, oldest first."""
    ids = set(main_ids)
    found: dict[uuid.UUID, list[Subscription]] = defaultdict(list)
    if not ids:
        return found
    query = (
        select(Subscription)
        .where(Subscription.main_subscription_id.in_(ids))
        .order_by(Subscription.started_at, Subscription.id)
    )
    for addon in work.session.scalars(query):
        if addon.main_subscription_id is not None:
            found[addon.main_subscription_id].append(addon)
    return found


def wake_addons(work: Work, main: SubscriptionState) -> None:
    """`main` ended in the worker: its add-ons still running are due now, so that the worker
    ends them next, each in its own claim (`worker.renewals`)."""
    if main.main_subscription_id is not None:  # an add-on has no add-ons
        return
    work.session.connection().execute(
        update(_TABLE)
        .where(
            _TABLE.c.main_subscription_id == main.id,
            _TABLE.c.status.in_(_LIVE),
            or_(_TABLE.c.next_action_at.is_(None), _TABLE.c.next_action_at > work.now),
        )
        .values(next_action_at=work.now)
    )
