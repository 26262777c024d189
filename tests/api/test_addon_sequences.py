"""Acceptance: whatever a customer and the clock do to a main plan with an add-on, no add-on
is active or renewing beyond its main plan, and none is charged after its main plan ended."""

from __future__ import annotations

import uuid
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select, update

from subdesk.audit.log import Actor
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.errors import Conflict
from subdesk.models import Account, AuditEvent, Payment, Subscription
from subdesk.subscriptions.addon_rules import main_renews
from subdesk.subscriptions.addons import view_of
from subdesk.subscriptions.rules import FINAL, LIVE, Status, entitlement
from subdesk.subscriptions.withdrawal import withdraw
from subdesk.worker.renewals import run_pass
from tests.conftest import START
from tests.factories import Customer, add_card, customer, subscribe

# (country, main plan, add-on): monthly and yearly main plans, a trial, an EU customer.
WORLDS = [
    ("US", "av1-month-usd", "vpn-addon-year-usd"),
    ("US", "av1-year-usd", "vpn-addon-year-usd"),
    ("US", "total5-month-usd", "backup-addon-year-usd"),
    ("FR", "av1-year-eur", "vpn-addon-year-eur"),
]
ACTIONS = st.lists(
    st.one_of(
        st.sampled_from(
            ["cancel_now", "cancel_period_end", "stop", "resume", "renew_addon", "withdraw"]
        ).map(lambda name: (name, 0)),
        st.tuples(st.just("decline"), st.just(0)),
        st.tuples(st.just("wait"), st.sampled_from([1, 5, 13, 31, 45, 100, 200, 366])),
    ),
    min_size=1,
    max_size=7,
)


@dataclass
class World:
    who: Customer
    account_id: uuid.UUID
    main: uuid.UUID
    addon: uuid.UUID


def _build(client: TestClient, clock: TestClock, world: tuple[str, str, str], gap: int) -> World:
    country, main_plan, addon_plan = world
    who = customer(client, country=country, region="CA" if country == "US" else None)
    main = subscribe(client, who, main_plan)
    clock.advance(timedelta(days=gap))
    addon = subscribe(client, who, addon_plan)
    account_id = uuid.UUID(client.get("/api/v1/me", headers=who.headers).json()["id"])
    return World(who, account_id, uuid.UUID(main["id"]), uuid.UUID(addon["id"]))


def _act(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    world: World,
    action: tuple[str, int],
) -> None:
    name, days = action
    headers = world.who.headers
    main, addon = f"/api/v1/subscriptions/{world.main}", f"/api/v1/subscriptions/{world.addon}"
    if name in ("cancel_now", "cancel_period_end"):
        when = "now" if name == "cancel_now" else "period_end"
        answer = client.post(f"{main}/cancel", json={"when": when}, headers=headers)
        assert answer.status_code in (200, 409), answer.text
    elif name in ("stop", "resume"):
        answer = client.put(
            f"{main}/auto-renew", json={"enabled": name == "resume"}, headers=headers
        )
        assert answer.status_code in (200, 409), answer.text
    elif name == "renew_addon":
        renewing = main_renews(view_of(_read(database, world.main)))
        running = _read(database, world.addon).status in LIVE
        answer = client.put(f"{addon}/auto-renew", json={"enabled": True}, headers=headers)
        assert answer.status_code == (200 if renewing and running else 409), answer.text
    elif name == "withdraw":
        _withdraw(database, runtime, world)
    elif name == "decline":
        card = add_card(client, headers, "4000000000000341")
        body = {"payment_method_id": card}
        answer = client.put(f"{main}/payment-method", json=body, headers=headers)
        assert answer.status_code in (200, 409), answer.text
    else:
        clock.advance(timedelta(days=days))
        run_pass(database, runtime)


def _withdraw(database: Database, runtime: Runtime, world: World) -> None:
    with suppress(Conflict), database.transaction() as session:  # closed: outside 14 days, US
        account = session.get_one(Account, world.account_id)
        withdraw(Work(session, runtime, Actor.customer(account.id)), account, world.main)


def _read(database: Database, sid: uuid.UUID) -> Subscription:
    with database.reading() as session:
        row = session.get_one(Subscription, sid)
        session.expunge(row)
        return row


def _ended_at(database: Database, sid: uuid.UUID) -> datetime | None:
    """When the subscription became canceled or expired, from its audit trail."""
    with database.reading() as session:
        events = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.subscription_id == sid)
            .order_by(AuditEvent.occurred_at)
        )
        ends = [e.occurred_at for e in events if (e.after or {}).get("status") in FINAL]
    return ends[0] if ends else None


def _addon_charges(database: Database, sid: uuid.UUID) -> list[datetime]:
    with database.reading() as session:
        return list(
            session.scalars(select(Payment.captured_at).where(Payment.subscription_id == sid))
        )


def _check(database: Database, world: World, now: datetime) -> None:
    main, addon = _read(database, world.main), _read(database, world.addon)
    terms = view_of(main)
    if main.status in FINAL:
        assert addon.status in FINAL, (main.status, addon.status)
    if not main_renews(terms):
        assert not addon.auto_renew
        shield = _shield(addon, now)
        if shield.protected:
            assert shield.until is not None
            assert shield.until <= terms.ends_at
    ended = _ended_at(database, world.main)
    if ended is not None:
        assert all(charged <= ended for charged in _addon_charges(database, world.addon))


def _shield(subscription: Subscription, now: datetime) -> Any:
    return entitlement(
        Status(subscription.status),
        subscription.current_period_end,
        subscription.access_ends_at,
        now,
    )


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(world=st.sampled_from(WORLDS), gap=st.sampled_from([0, 3, 20]), actions=ACTIONS)
def test_no_add_on_outlives_or_is_charged_after_its_main_plan(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    world: tuple[str, str, str],
    gap: int,
    actions: list[tuple[str, int]],
) -> None:
    clock.set(START)  # each example starts on the same day
    built = _build(client, clock, world, gap)
    try:
        _check(database, built, clock.now())
        for action in actions:
            _act(client, clock, database, runtime, built, action)
            _check(database, built, clock.now())
    finally:
        _park(database, built)


def _park(database: Database, world: World) -> None:
    """The worker leaves an example's subscriptions alone in the examples after it."""
    with database.transaction() as session:
        session.execute(
            update(Subscription)
            .where(Subscription.account_id == world.account_id)
            .values(next_action_at=None, next_notice_at=None)
        )
