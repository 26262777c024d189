"""The worker's batch (plain rows, charges asked ahead in one call, one UPDATE) writes
exactly what the one-by-one path through ORM objects writes, for every kind of due
subscription: renewals, declines and retries, hard declines, ends of term, price changes."""

from __future__ import annotations

import re
import shutil
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.app import build_runtime, create_app
from subdesk.catalog.demo import seed_catalog
from subdesk.catalog.pricing import change_renewal_price
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import (
    Account,
    AuditEvent,
    Invoice,
    OutboxEmail,
    Payment,
    PaymentMethod,
    Plan,
    Subscription,
    WebhookDelivery,
)
from subdesk.notifications.webhooks import add_endpoint
from subdesk.worker import renewals
from tests.conftest import START, TEST_SIGNING_SEED
from tests.factories import add_card, customer, set_auto_renew, subscribe

Pass = Callable[[Database, Runtime, int], Counter[str]]


def _batch_mode(careful: bool) -> Pass:
    def run(database: Database, runtime: Runtime, size: int) -> Counter[str]:
        processor = renewals.Processor(runtime)
        return renewals._batch(database, runtime, processor, size, careful=careful)

    return run


MODES: dict[str, Pass] = {"batch": _batch_mode(False), "one_by_one": _batch_mode(True)}
# One purchase per customer: the same key in both worlds, so their rows compare equal.
KEY = "the-purchase"
DECLINES_ALWAYS = "4000000000000341"
EXPIRED_CARD = "4000000000000069"
INSUFFICIENT_FUNDS = "4000000000009995"


def _world(template: Path, folder: Path) -> Iterator[tuple[TestClient, Database, Runtime]]:
    folder.mkdir()
    shutil.copyfile(template, folder / "subdesk.db")
    url = f"sqlite:///{folder / 'subdesk.db'}"
    settings = Settings(
        database_url=url,
        signing_key=TEST_SIGNING_SEED,
        sandbox_ledger=None,
        smtp_port=9,
        sign_ups_per_minute=1000,  # one client signs up every customer of the world
    )
    database = Database(url)
    runtime = build_runtime(settings, clock=TestClock(START))
    with database.transaction() as session:
        work = Work(session, runtime)
        seed_catalog(work)
        add_endpoint(work, "http://127.0.0.1:9/hooks", ["*"])
    with TestClient(create_app(runtime=runtime, database=database)) as client:
        yield client, database, runtime
    database.dispose()


def _customers(client: TestClient, database: Database, runtime: Runtime) -> None:
    """One of each: renews, renews yearly (Germany), declines softly, declines hard, runs
    short of funds, turns auto-renew off, and faces a price increase it was not noticed of."""
    subscribe(client, customer(client), "av1-month-usd", key=KEY)
    subscribe(client, customer(client, country="DE", region=None), "av1-year-eur", key=KEY)
    subscribe(client, customer(client), "total5-month-usd", key=KEY)
    for card, code in [
        (DECLINES_ALWAYS, "av1-month-usd"),
        (EXPIRED_CARD, "av1-month-usd"),
        (INSUFFICIENT_FUNDS, "total5-month-usd"),
    ]:
        who = customer(client)
        sub = subscribe(client, who, code, key=KEY)
        declining = add_card(client, who.headers, card)
        with database.transaction() as session:
            row = session.get(Subscription, uuid.UUID(sub["id"]))
            assert row is not None
            row.payment_method_id = uuid.UUID(declining)
    quitter = customer(client)
    sub = subscribe(client, quitter, "av1-month-usd", key=KEY)
    assert set_auto_renew(client, quitter, sub["id"], False).status_code == 200
    runtime.clock.advance(timedelta(days=27))  # type: ignore[attr-defined]
    with database.transaction() as session:
        change_renewal_price(Work(session, runtime), "total5-month-usd", 1299, "costs went up")


def _run(mode: Pass, database: Database, runtime: Runtime, days: int) -> Counter[str]:
    total: Counter[str] = Counter()
    for _ in range(days):
        runtime.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
        while done := mode(database, runtime, 3):  # small batches: several a day
            total.update(done)
    return total


def _everything(database: Database) -> dict[str, Any]:
    """Every row the renewals wrote, with ids, numbers and keys replaced by stable labels."""
    with database.transaction() as session:
        labels = _labels(session)

        def rows(model: type[Any], *skip: str) -> list[Any]:
            found = [
                {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key not in skip}
                for row in session.scalars(select(model))
            ]
            return sorted(_label(found, labels), key=repr)

        return {
            "subscriptions": rows(Subscription, "id", "created_at"),
            "payments": rows(Payment, "id", "gateway_charge_id"),
            "invoices": rows(Invoice, "id", "number"),
            "audit": _label(
                [
                    (e.action, e.subscription_id, e.entity_type, e.before, e.after, e.reason)
                    for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
                    if e.subscription_id is not None
                ],
                labels,
            ),
            "emails": rows(OutboxEmail, "id", "request_id"),
            "webhooks": rows(WebhookDelivery, "id", "event_id", "request_id"),
        }


def _labels(session: Any) -> dict[str, str]:
    """Account n (in sign-up order), its card, its subscription; plans by code."""
    labels: dict[str, str] = {}
    accounts = sorted(
        session.scalars(select(Account)), key=lambda a: int(re.sub(r"\D", "", a.email))
    )
    for number, account in enumerate(accounts):
        labels[str(account.id)] = f"account{number}"
        labels[account.email] = f"email{number}"
    for method in session.scalars(select(PaymentMethod)):
        labels[str(method.id)] = labels[str(method.account_id)] + "-card"
    for sub in session.scalars(select(Subscription)):
        labels[str(sub.id)] = labels[str(sub.account_id)] + "-subscription"
    for plan in session.scalars(select(Plan)):
        labels[str(plan.id)] = plan.code
    return labels


UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
RANDOM = re.compile(r"SD-(CN-)?\d{4}-\d{6}|ch_\w+|evt_\w+|customer\d+@example\.com")


def _label(value: Any, labels: dict[str, str]) -> Any:
    if isinstance(value, dict):
        return {key: _label(item, labels) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_label(item, labels) for item in value)
    if isinstance(value, uuid.UUID):
        return labels.get(str(value), "<id>")
    if isinstance(value, str):
        value = UUID_TEXT.sub(lambda m: labels.get(m.group(), "<id>"), value)
        return RANDOM.sub(lambda m: labels.get(m.group(), "<random>"), value)
    return value


@pytest.fixture
def worlds(sqlite_template: Path, tmp_path: Path) -> dict[str, dict[str, Any]]:
    results = {}
    for name, mode in MODES.items():
        for client, database, runtime in _world(sqlite_template, tmp_path / name):
            _customers(client, database, runtime)
            results[name] = {
                "outcomes": _run(mode, database, runtime, 45),
                "rows": _everything(database),
            }
    return results


def test_the_batch_writes_what_the_one_by_one_path_writes(
    worlds: dict[str, dict[str, Any]],
) -> None:
    batch, one_by_one = worlds["batch"], worlds["one_by_one"]
    assert batch["outcomes"] == one_by_one["outcomes"]
    assert batch["outcomes"]["renewed"] >= 4
    assert batch["outcomes"]["payment_failed"] >= 3
    assert batch["outcomes"]["expired"] >= 1
    assert batch["outcomes"]["ended"] == 1
    for table, rows in one_by_one["rows"].items():
        assert batch["rows"][table] == rows, table
    assert len(batch["rows"]["emails"]) > len(batch["rows"]["payments"])
