"""Store use cases: apply a verified notification once, and link a Google purchase to an account.

A notification is recorded by its id, so a repeat changes nothing; its observation
is merged into the store subscription's state (rules.merge: a late one never
overrides a newer one); then the subscription is mirrored from that state. The
store subscription row is locked first, so notifications for one subscription
are applied one at a time whatever the number of API processes.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from subdesk.audit.log import audit
from subdesk.channels.stores import repository
from subdesk.channels.stores.mirror import keep_state, mirror, state_of
from subdesk.channels.stores.rules import StoreNotice, merge, plan_code_for, with_expiry
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import Plan, StoreNotification, StoreSubscription, Subscription
from subdesk.subscriptions.periods import Period


@dataclass(frozen=True, slots=True)
class Handled:
    outcome: str  # applied | stale | unlinked | ignored | duplicate


def handle(work: Work, notice: StoreNotice) -> Handled:
    """Apply one verified notification; every outcome is acknowledged to the store."""
    row = _row_for(work, notice.store, notice.store_key) if notice.store_key else None
    if repository.seen(work.session, notice.store, notice.notification_id):
        return Handled("duplicate")
    outcome = "ignored"
    if row is not None and notice.observation is not None:
        _learn_links(work, row, notice)
        plan = plan_for(work, row.product_id)
        period = Period(plan.period) if plan else None
        before = state_of(row)
        after = merge(before, with_expiry(notice.observation, period))
        keep_state(row, after)
        row.updated_at = work.now
        mirror(work, row, plan, reason=f"{notice.store}: {notice.kind}")
        outcome = "applied" if after != before else "stale"
        if row.subscription_id is None:
            outcome = "unlinked"
    work.session.add(
        StoreNotification(
            store=notice.store,
            notification_id=notice.notification_id,
            store_subscription_id=row.id if row else None,
            kind=notice.kind[:60],
            event_at=notice.event_at,
            received_at=work.now,
            outcome=outcome,
        )
    )
    return Handled(outcome)


def register_google_purchase(
    work: Work, account_id: uuid.UUID, purchase_token: str, product_id: str
) -> Subscription | None:
    """The app bought in Google Play and tells us the token: the purchase becomes this account's.
    The subscription appears once Google's own notification confirms the purchase."""
    plan = plan_for(work, product_id)
    if plan is None:
        raise NotFound("We do not sell this product.", code="unknown_product", field="product_id")
    row = _row_for(work, "google", purchase_token)
    if row.account_id not in (None, account_id):
        raise Conflict(
            "This purchase belongs to another account.",
            code="purchase_taken",
            field="purchase_token",
        )
    if row.account_id is None:
        row.account_id, row.product_id = account_id, row.product_id or product_id
        row.updated_at = work.now
        audit(
            work,
            action="store_purchase.registered",
            entity=("store_subscription", row.id),
            account_id=account_id,
            after={"store": "google", "product_id": row.product_id},
        )
        mirror(work, row, plan_for(work, row.product_id), reason="google: purchase registered")
    if row.subscription_id is None:
        return None
    return work.session.get(Subscription, row.subscription_id)


def plan_for(work: Work, product_id: str | None) -> Plan | None:
    if product_id is None:
        return None
    code = plan_code_for(product_id, work.settings.store_products)
    return repository.plan_by_code(work.session, code)


def _row_for(work: Work, store: str, key: str) -> StoreSubscription:
    row = repository.store_subscription(work.session, store, key)
    if row is None:
        # A parallel first notification may insert the same key: the unique constraint
        # refuses one of them and the endpoint runs it again, finding this row.
        row = StoreSubscription(
            id=uuid.uuid4(), store=store, store_key=key, created_at=work.now, updated_at=work.now
        )
        work.session.add(row)
        work.session.flush()
    return row


def _learn_links(work: Work, row: StoreSubscription, notice: StoreNotice) -> None:
    """The store names the product; Apple also names the account (appAccountToken)."""
    if notice.product_id:
        row.product_id = notice.product_id
    if row.account_id is None and notice.account_id is not None:
        account = repository.open_account(work.session, notice.account_id)
        row.account_id = account.id if account else None
