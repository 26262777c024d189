"""GET /metrics: the operator's, and every family counted as subdesk works."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Subscription
from subdesk.notifications.smtp import SmtpSender
from subdesk.worker.loop import one_pass
from tests.api.test_licenses import activate, check_in
from tests.factories import add_card, customer, subscribe

KEY = "sdop_metrics-test-key"
AS_OPERATOR = {"Authorization": f"Bearer {KEY}"}


@pytest.fixture
def operated(runtime: Runtime, database: Database, catalog: None) -> Iterator[TestClient]:
    """A client of an app with an operator key configured."""
    settings = runtime.settings.model_copy(
        update={"operator_key_sha256": hashlib.sha256(KEY.encode()).hexdigest()}
    )
    app = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer),
        database=database,
    )
    with TestClient(app) as client:
        yield client


def scrape(client: TestClient) -> dict[str, dict[tuple[tuple[str, str], ...], float]]:
    """Every sample of /metrics by name, then by its labels."""
    answer = client.get("/metrics", headers=AS_OPERATOR)
    assert answer.status_code == 200, answer.text
    samples: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            key = tuple(sorted(sample.labels.items()))
            samples.setdefault(sample.name, {})[key] = sample.value
    return samples


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_metrics_need_the_operator_key(operated: TestClient) -> None:
    assert operated.get("/metrics").status_code == 401
    wrong = operated.get("/metrics", headers={"Authorization": "Bearer sdop_nope"})
    assert wrong.status_code == 401
    assert wrong.json()["error"]["code"] == "invalid_operator_key"


def test_requests_are_counted_by_route_template_not_path(operated: TestClient) -> None:
    alice = customer(operated)
    sub = subscribe(operated, alice, "av1-year-usd")
    operated.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers)
    operated.get("/no/such/page/123")
    samples = scrape(operated)
    requests = samples["subdesk_http_requests_total"]
    routes = {dict(labels)["route"] for labels in requests}
    assert "/api/v1/subscriptions/{subscription_id}" in routes
    assert "<unmatched>" in routes
    assert not any(sub["id"] in route for route in routes)
    durations = samples["subdesk_http_request_duration_seconds_count"]
    assert sum(durations.values()) >= 4


def test_check_ins_are_counted_by_code(operated: TestClient) -> None:
    alice = customer(operated)
    sub = subscribe(operated, alice, "av1-year-usd")
    token = activate(operated, alice, sub["id"], "metrics-1").json()["device_token"]
    before = value("subdesk_license_check_ins_total", code="ACTIVE")
    unknown = value("subdesk_license_check_ins_total", code="NOT_FOUND")
    check_in(operated, token)
    check_in(operated, token)
    check_in(operated, "sdd_unknown-device")
    assert value("subdesk_license_check_ins_total", code="ACTIVE") == before + 2
    assert value("subdesk_license_check_ins_total", code="NOT_FOUND") == unknown + 1


def test_renewals_charges_and_refunds_are_counted_by_outcome_and_currency(
    operated: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    charged = value("subdesk_charges_total", outcome="succeeded", currency="EUR")
    declined = value("subdesk_charges_total", outcome="failed", currency="EUR")
    renewed = value("subdesk_renewals_total", outcome="renewed")
    refunded = value("subdesk_refunds_total", outcome="succeeded", currency="EUR")
    alice = customer(operated, country="DE", region=None, locale="de")
    sub = subscribe(operated, alice, "av1-year-eur")
    bob = customer(operated, country="DE", region=None)
    bobs = subscribe(operated, bob, "av1-year-eur")
    declining = add_card(operated, bob.headers, "4000000000000341")
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(bobs["id"]))
        assert row is not None
        row.payment_method_id = uuid.UUID(declining)
    clock.advance(timedelta(days=366))
    one_pass(database, runtime, SmtpSender(runtime.settings))
    assert value("subdesk_charges_total", outcome="succeeded", currency="EUR") == charged + 3
    # Overdue by a day, its first retry is due in the same pass: declined again.
    assert value("subdesk_charges_total", outcome="failed", currency="EUR") > declined
    assert value("subdesk_renewals_total", outcome="renewed") == renewed + 1
    cancel = {"when": "now", "reason": "too expensive"}
    path = f"/api/v1/subscriptions/{sub['id']}/cancel"
    assert operated.post(path, json=cancel, headers=alice.headers).status_code == 200
    assert value("subdesk_refunds_total", outcome="succeeded", currency="EUR") == refunded + 1


def test_backlogs_are_read_from_the_database_at_scrape_time(
    operated: TestClient, clock: TestClock
) -> None:
    alice = customer(operated)
    subscribe(operated, alice, "av1-year-usd")  # a receipt waits in the outbox
    clock.advance(timedelta(days=400))  # its renewal is overdue; the receipt waited as long
    samples = scrape(operated)
    assert samples["subdesk_database_up"][()] == 1
    assert samples["subdesk_outbox_emails_backlog"][()] >= 1
    assert samples["subdesk_outbox_emails_oldest_age_seconds"][()] >= 400 * 86400
    assert samples["subdesk_worker_lag_seconds"][()] >= 30 * 86400
    assert samples["subdesk_subscriptions_due"][()] == 1
    assert samples["subdesk_emails_failed"][()] == 0
    assert samples["subdesk_webhook_deliveries_backlog"][()] == 0
    states = {dict(k)["state"] for k in samples["subdesk_payment_attempts"]}
    assert states == {"pending", "unknown", "requires_action"}
    ages = {dict(k)["age"] for k in samples["subdesk_cases_open"]}
    assert ages == {"lt_1h", "1h_1d", "1d_3d", "3d_7d", "gt_7d"}
