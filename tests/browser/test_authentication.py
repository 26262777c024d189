"""Acceptance (issue 13): a renewal the bank holds for the customer's authentication (SCA)
completes once the customer confirms it in the portal."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import select

from subdesk.audit.log import Actor
from subdesk.billing import payment_methods
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import Payment, Subscription
from subdesk.subscriptions import lifecycle
from subdesk.worker.renewals import run_pass
from tests.browser.flows import buy, sign_up

YEARLY = "Shield Antivirus, 1 device, yearly"
AUTHENTICATION_CARD = "4000002500003155"


def _pay_with_the_authentication_card(database: Database, runtime: Runtime, sid: str) -> None:
    with database.transaction() as session:
        subscription = session.get_one(Subscription, uuid.UUID(sid))
        work = Work(session, runtime, Actor.customer(subscription.account_id))
        card = payment_methods.add_card(
            work, subscription.account_id, number=AUTHENTICATION_CARD, exp_month=12,
            exp_year=2040, cvc="123",
        )  # fmt: skip
        lifecycle.change_payment_method(work, subscription.account_id, subscription.id, card.id)


def test_a_renewal_held_for_authentication_completes_when_the_customer_confirms(
    page: Page, database: Database, runtime: Runtime, clock: TestClock
) -> None:
    sign_up(page)
    sid = buy(page, YEARLY)
    _pay_with_the_authentication_card(database, runtime, sid)
    clock.advance(timedelta(days=366))
    assert run_pass(database, runtime) == Counter(awaiting_authentication=1)

    page.goto(f"/account/subscriptions/{sid}/authenticate")
    main = page.locator("main")
    expect(main).to_contain_text("Your bank asks you to confirm the renewal payment")
    page.get_by_role("button", name="Confirm the payment with my bank").click()
    expect(page.get_by_role("status")).to_contain_text("the payment went through")
    with database.transaction() as session:
        subscription = session.get_one(Subscription, uuid.UUID(sid))
        renewals = session.scalars(select(Payment).where(Payment.kind == "renewal")).all()
    assert (subscription.status, subscription.period_number, len(renewals)) == ("active", 2, 1)
