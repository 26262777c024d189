"""Reminders and notices inside the legal windows, and prices that need them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.catalog.pricing import change_renewal_price
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import Notice, Payment
from tests.api.helpers import run_days
from tests.factories import customer, subscribe
from tests.smtp import SmtpServer

WINDOWS = {"CA": (45, 15), "NY": (45, 15), "CO": (40, 25), "VA": (60, 30), "MA": (30, 5)}


def notices(database: Database) -> list[Notice]:
    with database.transaction() as session:
        return list(session.scalars(select(Notice).order_by(Notice.sent_at)))


def renewal_amounts(database: Database) -> list[int]:
    with database.transaction() as session:
        query = (
            select(Payment.amount_minor)
            .where(Payment.kind == "renewal")
            .order_by(Payment.captured_at)
        )
        return list(session.scalars(query))


@pytest.mark.parametrize("state", sorted(WINDOWS))
def test_annual_renewal_reminder_lands_inside_the_states_window(
    client: TestClient,
    clock: TestClock,
    database: Database,
    runtime: Runtime,
    smtp: SmtpServer,
    state: str,
) -> None:
    buyer = customer(client, country="US", region=state)
    subscribe(client, buyer, "av1-year-usd")
    run_days(clock, database, runtime, 364)
    sent = [n for n in notices(database) if n.kind == "renewal_reminder"]
    assert [n.actual_days for n in sent] == [35, 20]
    earliest, latest = WINDOWS[state]
    satisfying = [n for n in sent if n.satisfied]
    assert satisfying, "no reminder satisfied the state's window"
    for notice in satisfying:
        assert latest <= notice.actual_days <= earliest
    reminders = [m for m in smtp.mailbox.messages if "renews on" in str(m["Subject"])]
    assert len(reminders) == 2


def test_california_annual_reminders_go_out_at_35_and_20_days(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client, country="US", region="CA")
    subscribe(client, buyer, "av1-year-usd")
    run_days(clock, database, runtime, 364)
    sent = [n for n in notices(database) if n.kind == "renewal_reminder"]
    assert [(n.actual_days, bool(n.satisfied)) for n in sent] == [(35, True), (20, True)]
    assert all("17602" in n.satisfied[0] for n in sent)


def test_thirty_day_trial_gets_its_reminder_ten_days_before_the_end(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    buyer = customer(client, country="US", region="CA")
    subscribe(client, buyer, "total5-month-usd")
    run_days(clock, database, runtime, 29)
    (notice,) = [n for n in notices(database) if n.kind == "trial_ending"]
    assert notice.actual_days == 10
    assert 3 <= notice.actual_days <= 21
    assert notice.satisfied
    assert any("free trial" in str(m["Subject"]) for m in smtp.mailbox.messages)


def test_monthly_subscribers_get_a_yearly_notice(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client, country="US", region="CA")
    subscribe(client, buyer, "av1-month-usd")
    run_days(clock, database, runtime, 365)
    yearly = [n for n in notices(database) if n.kind == "yearly_notice"]
    assert [n.actual_days for n in yearly] == [7]


def _raise_price(database: Database, runtime: Runtime, code: str, price: int) -> None:
    with database.transaction() as session:
        change_renewal_price(Work(session, runtime), code, price, "costs went up")


def test_price_increase_without_a_notice_in_the_window_is_not_charged(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    buyer = customer(client, country="US", region="CA")
    subscribe(client, buyer, "av1-month-usd")  # 4.99, renews on 15 February
    run_days(clock, database, runtime, 27)  # 11 February: four days before
    _raise_price(database, runtime, "av1-month-usd", 599)
    run_days(clock, database, runtime, 4)
    assert renewal_amounts(database) == [499]
    # The notice goes out for the next term, and that renewal is at the new price.
    run_days(clock, database, runtime, 28)
    assert renewal_amounts(database) == [499, 599]
    (notice,) = [n for n in notices(database) if n.kind == "price_change"]
    assert notice.actual_days == 25
    assert notice.price_minor == 599


def test_price_increase_noticed_25_days_ahead_is_charged(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    buyer = customer(client, country="US", region="CA")
    subscribe(client, buyer, "av1-year-usd")  # renews on 15 January 2027 at 49.99
    clock.advance(timedelta(days=300))
    _raise_price(database, runtime, "av1-year-usd", 5999)
    run_days(clock, database, runtime, 66)
    (notice,) = [n for n in notices(database) if n.kind == "price_change"]
    assert notice.actual_days == 25
    assert renewal_amounts(database) == [5999]
    assert any("$59.99" in smtp.mailbox.text_of(m) for m in smtp.mailbox.messages)


def test_a_reminder_states_what_the_card_will_be_charged_sales_tax_included(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime, smtp: SmtpServer
) -> None:
    buyer = customer(client, country="US", region="NY")  # 4 % state sales tax on software
    subscribe(client, buyer, "av1-year-usd")
    run_days(clock, database, runtime, 331)  # past the reminder 35 days before the renewal
    reminders = [m for m in smtp.mailbox.messages if "renews on" in str(m["Subject"])]
    assert reminders
    text = smtp.mailbox.text_of(reminders[0])
    assert "$51.99" in text  # 49.99 and 2.00 of tax, as the renewal will charge
    assert "$49.99" not in text
