"""Dashboard data on known days: subscriptions, cancellations, a refund and cases, seeded
through the API (and the cases table) while the test clock moves from Jan 15 to Jan 27."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.db import Database
from subdesk.models import SupportCase
from tests.agent.console import account_id
from tests.factories import Customer, customer, subscribe


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 1, day, hour, 0, tzinfo=UTC)


def seed_case(
    database: Database, account: str, opened: datetime, priority: str, status: str = "open"
) -> None:
    with database.transaction() as session:
        session.add(
            SupportCase(
                account_id=uuid.UUID(account),
                subject=f"A {priority} case",
                category="other",
                status=status,
                priority=priority,
                opened_by="customer",
                first_response_due_at=opened + timedelta(hours=1),
                created_at=opened,
                updated_at=opened,
            )
        )


def cancel(client: TestClient, who: Customer, sub: dict[str, str], when: str) -> None:
    answer = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": when, "reason": "testing"},
        headers=who.headers,
    )
    assert answer.status_code == 200, answer.text


def seed_two_weeks(client: TestClient, clock: TestClock, database: Database) -> None:
    """Jan 15: two yearly USD subscriptions (one canceled at period end on Jan 25) and an old
    case. Jan 21: a monthly USD one (canceled now on Jan 24, refunded) and a trial. Jan 23: a
    yearly EUR one. Cases on Jan 25, 26 (one resolved) and 27; seen on Jan 27 at 10:00."""
    clock.set(at(15))
    keeps, stops_later = customer(client), customer(client)
    subscribe(client, keeps, "av1-year-usd")
    later = subscribe(client, stops_later, "av1-year-usd")
    account = account_id(client, keeps)
    seed_case(database, account, at(15), "normal")
    clock.set(at(21))
    monthly, trial = customer(client), customer(client)
    now_sub = subscribe(client, monthly, "av1-month-usd")
    subscribe(client, trial, "total5-month-usd")  # in its trial all week: not in MRR
    clock.set(at(23))
    subscribe(client, customer(client), "av1-year-eur")
    clock.set(at(24))
    cancel(client, monthly, now_sub, "now")
    clock.set(at(25))
    cancel(client, stops_later, later, "period_end")
    seed_case(database, account, at(25), "high")
    seed_case(database, account, at(26, 12), "urgent")
    seed_case(database, account, at(26, 13), "low", status="resolved")
    seed_case(database, account, at(27, 9), "normal")
    clock.set(at(27))
