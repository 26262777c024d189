"""Retail keys: generate a batch for a retailer, and redeem one key, once, into a subscription."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.catalog.service import plan_of
from subdesk.context import Work
from subdesk.db import append_row
from subdesk.errors import Conflict, InvalidRequest, NotFound
from subdesk.licensing.keys import generate, key_digest
from subdesk.models import Plan, RetailKey, Subscription
from subdesk.subscriptions.periods import Period, next_period_end
from subdesk.subscriptions.purchase import new_subscription
from subdesk.subscriptions.rules import Status
from subdesk.subscriptions.snapshot import snapshot

MAX_BATCH = 100_000


def generate_batch(work: Work, plan_code: str, count: int, batch: str) -> list[str]:
    """Make `count` keys for a plan; only their digests are kept, so the list is shown once."""
    if not 1 <= count <= MAX_BATCH:
        raise InvalidRequest(f"A batch has 1 to {MAX_BATCH} keys.", field="count")
    plan = work.session.scalars(select(Plan).where(Plan.code == plan_code)).first()
    if plan is None:
        raise NotFound("No such plan.", code="unknown_plan", field="plan")
    prefix = plan_of(work, plan.id).product.code.upper()
    keys = [generate(prefix) for _ in range(count)]
    for key in keys:
        row = dict(
            id=uuid.uuid4(),
            key_digest=key_digest(key),
            plan_id=plan.id,
            batch=batch,
            created_at=work.now,
        )
        append_row(work.session, RetailKey, row)
    audit(
        work,
        action="retail_keys.generated",
        entity=("plan", plan.id),
        after={"batch": batch, "count": count},
    )
    return keys


def redeem(work: Work, account_id: uuid.UUID, key: str) -> Subscription:
    """Turn a key into a subscription on the account: once, with no automatic renewal."""
    digest = key_digest(key)  # a mistyped key is refused here, before any lookup
    row = work.session.scalars(
        select(RetailKey).where(RetailKey.key_digest == digest).with_for_update()
    ).first()
    if row is None:
        raise NotFound("We do not know this product key.", code="unknown_key", field="key")
    if row.redeemed_at is not None:
        raise Conflict(
            "This product key has already been redeemed.", code="key_already_redeemed", field="key"
        )
    plan = plan_of(work, row.plan_id)
    running = _running_retail(work, account_id, plan)
    if running is not None:
        _extend(work, running, plan)
        row.redeemed_at, row.account_id, row.subscription_id = work.now, account_id, running.id
        return running
    # Paid at the shop: no trial, and renewal only if the customer opts in with a card.
    subscription = new_subscription(
        work, account_id, plan, method_id=None, channel="retail", auto_renew=False, with_trial=False
    )
    work.session.add(subscription)
    work.session.flush()  # the subscription exists before the key points at it
    row.redeemed_at, row.account_id, row.subscription_id = work.now, account_id, subscription.id
    audit(
        work,
        action="subscription.created",
        entity=("subscription", subscription.id),
        account_id=account_id,
        subscription_id=subscription.id,
        after={**snapshot(subscription), "channel": "retail"},
        reason="retail key redeemed",
    )
    return subscription


def subscription_of_key(work: Work, key: str) -> tuple[uuid.UUID, uuid.UUID]:
    """The account and subscription a redeemed key belongs to: the app may activate with it."""
    row = work.session.scalars(
        select(RetailKey).where(RetailKey.key_digest == key_digest(key))
    ).first()
    if row is None:
        raise NotFound("We do not know this product key.", code="unknown_key", field="license_key")
    if row.account_id is None or row.subscription_id is None:
        raise Conflict(
            "Redeem this product key in your account first (My account, then Redeem a key); "
            "then the app can use it.",
            code="key_not_redeemed",
            field="license_key",
        )
    return row.account_id, row.subscription_id


def _running_retail(work: Work, account_id: uuid.UUID, plan: Plan) -> Subscription | None:
    """A live retail subscription of the same plan, which another key of it extends."""
    query = (
        select(Subscription)
        .where(
            Subscription.account_id == account_id,
            Subscription.channel == "retail",
            Subscription.plan_id == plan.id,
            Subscription.status.in_([s.value for s in (Status.ACTIVE, Status.PAST_DUE)]),
        )
        .order_by(Subscription.current_period_end.desc())
        .with_for_update()
    )
    return work.session.scalars(query).first()


def _extend(work: Work, subscription: Subscription, plan: Plan) -> None:
    """One more period of the key's plan, added after the current end."""
    before = snapshot(subscription)
    end = next_period_end(
        subscription.anchor_at, Period(plan.period), subscription.current_period_end
    )
    subscription.current_period_end = end
    subscription.period_number += 1
    subscription.next_action_at = end
    if subscription.access_ends_at is not None:
        subscription.access_ends_at = end
    subscription.updated_at = work.now
    audit(
        work,
        action="subscription.extended",
        entity=("subscription", subscription.id),
        account_id=subscription.account_id,
        subscription_id=subscription.id,
        before=before,
        after=snapshot(subscription),
        reason="another retail key redeemed",
    )
