"""Service providers end to end: provision, suspend, reactivate with the provider asked on
loopback, cancel, buy direct and keep the devices; and the partner API's boundaries."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from subdesk.accounts import recovery
from subdesk.audit.log import Actor
from subdesk.channels.partners.admin import add_partner
from subdesk.channels.partners.keys import issue_key, revoke_key
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import AuditEvent, OutboxEmail, Payment, Subscription
from tests.api.helpers import count, run_days
from tests.channels.provider_server import ProviderServer
from tests.factories import PASSWORD, plan_id

EMAIL = "pat@example.com"


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    server = ProviderServer()
    server.start()
    yield server
    server.stop()


def _partner(database: Database, runtime: Runtime, code: str, status_url: str | None) -> str:
    with database.transaction() as session:
        return add_partner(
            Work(session, runtime, Actor("operator", "test")), code, code, status_url
        )


def _as(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _provision(client: TestClient, key: str, external_id: str, email: str = EMAIL) -> Any:
    body = {"email": email, "plan": "suite3-year-usd", "country": "US"}
    return client.put(f"/api/v1/partner/subscriptions/{external_id}", json=body, headers=_as(key))


def _accept_invitation(database: Database, runtime: Runtime, client: TestClient) -> dict[str, str]:
    """The customer follows the invitation link, chooses a password and signs in."""
    with database.reading() as session:
        context = session.scalars(
            select(OutboxEmail.context).where(OutboxEmail.template == "invitation")
        ).one()
    token = re.search(r"token=([\w-]+)", context["reset_url"])
    assert token
    with database.transaction() as session:
        recovery.reset_password(Work(session, runtime), token.group(1), PASSWORD)
    answer = client.post("/api/v1/auth/token", json={"email": EMAIL, "password": PASSWORD})
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def _activate(client: TestClient, headers: dict[str, str], sid: str) -> str:
    device = {"fingerprint": "device-living-room", "name": "Living room PC", "platform": "windows"}
    answer = client.post(
        "/api/v1/licenses/activate",
        json={"subscription_id": sid, "device": device},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return str(answer.json()["device_token"])


def _check_in(client: TestClient, token: str) -> dict[str, Any]:
    answer = client.post("/api/v1/licenses/check-in", headers=_as(token))
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_a_provider_customer_from_provisioning_to_buying_direct_keeps_the_device(
    client: TestClient, database: Database, runtime: Runtime, provider: ProviderServer
) -> None:
    key = _partner(database, runtime, "fastnet", provider.status_url)
    created = _provision(client, key, "cust-42")
    assert created.status_code == 201, created.text
    sid = created.json()["subscription_id"]
    customer = _accept_invitation(database, runtime, client)
    device = _activate(client, customer, sid)
    assert _check_in(client, device)["code"] == "ACTIVE"
    mine = client.get(f"/api/v1/subscriptions/{sid}", headers=customer).json()
    assert mine["channel"] == "provider"

    client.post("/api/v1/partner/subscriptions/cust-42/suspend", headers=_as(key))
    paused = _check_in(client, device)
    assert paused["code"] == "SUSPENDED_BY_PROVIDER"
    assert paused["protected"] is False
    assert set(paused["actions"]) == {"contact_provider", "reactivate"}

    still = client.post(f"/api/v1/subscriptions/{sid}/reactivate", headers=customer)
    assert still.status_code == 409
    assert still.json()["error"]["code"] == "provider_still_suspended"
    assert "Contact your provider" in still.json()["error"]["message"]
    assert provider.asked == ["cust-42"]
    assert _check_in(client, device)["code"] == "SUSPENDED_BY_PROVIDER"

    provider.statuses["cust-42"] = "active"
    resumed = client.post(f"/api/v1/subscriptions/{sid}/reactivate", headers=customer)
    assert resumed.status_code == 200, resumed.text
    assert resumed.json()["status"] == "active"
    assert _check_in(client, device)["code"] == "ACTIVE"

    client.post("/api/v1/partner/subscriptions/cust-42/cancel", headers=_as(key))
    ended = _check_in(client, device)
    assert ended["code"] == "CANCELED"
    assert ended["actions"] == ["buy"]

    card = client.post(
        "/api/v1/payment-methods",
        json={"card_number": "4242424242424242", "exp_month": 12, "exp_year": 2030, "cvc": "123"},
        headers=customer,
    ).json()["id"]
    bought = client.post(
        "/api/v1/subscriptions",
        json={
            "plan_id": plan_id(client, "suite3-year-usd"),
            "payment_method_id": card,
            "auto_renew_consent": True,
        },
        headers=customer,
    )
    assert bought.status_code == 201, bought.text
    again = _check_in(client, device)
    assert again["code"] == "ACTIVE"
    devices = client.get("/api/v1/devices", headers=customer).json()
    assert [d["subscription_id"] for d in devices] == [bought.json()["id"]]


def test_protection_comes_back_by_itself_when_the_partner_resumes(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    sid = _provision(client, key, "cust-7").json()["subscription_id"]
    customer = _accept_invitation(database, runtime, client)
    device = _activate(client, customer, sid)
    client.post("/api/v1/partner/subscriptions/cust-7/suspend", headers=_as(key))
    assert _check_in(client, device)["code"] == "SUSPENDED_BY_PROVIDER"
    client.post("/api/v1/partner/subscriptions/cust-7/resume", headers=_as(key))
    assert _check_in(client, device)["code"] == "ACTIVE"


def test_a_partner_cannot_read_or_change_another_partners_subscription(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    ours = _partner(database, runtime, "fastnet", None)
    theirs = _partner(database, runtime, "slownet", None)
    _provision(client, ours, "cust-1")
    for method, path in (
        ("GET", "/api/v1/partner/subscriptions/cust-1"),
        ("POST", "/api/v1/partner/subscriptions/cust-1/suspend"),
        ("POST", "/api/v1/partner/subscriptions/cust-1/cancel"),
    ):
        answer = client.request(method, path, headers=_as(theirs))
        assert answer.status_code == 404, (method, path)
    assert (
        client.get("/api/v1/partner/subscriptions/cust-1", headers=_as(ours)).json()["status"]
        == "active"
    )
    # The other partner's own cust-1 is a different customer altogether.
    mine = _provision(client, theirs, "cust-1", email="sam@example.com")
    assert mine.status_code == 201


def test_a_wrong_or_revoked_key_gets_401(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    assert client.get("/api/v1/partner/subscriptions/x", headers=_as("sdp_nope")).status_code == 401
    assert client.get("/api/v1/partner/subscriptions/x").status_code == 401
    with database.transaction() as session:
        work = Work(session, runtime, Actor("operator", "test"))
        revoke_key(work, key.split("_")[1])
    assert client.get("/api/v1/partner/subscriptions/x", headers=_as(key)).status_code == 401


def test_a_rotated_key_works_and_the_old_one_until_revoked(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    old = _partner(database, runtime, "fastnet", None)
    _provision(client, old, "cust-1")
    with database.transaction() as session:
        from subdesk.channels.partners.admin import partner_by_code

        work = Work(session, runtime, Actor("operator", "test"))
        new = issue_key(work, partner_by_code(work, "fastnet"))
    for key in (old, new):
        assert (
            client.get("/api/v1/partner/subscriptions/cust-1", headers=_as(key)).status_code == 200
        )


def test_repeated_calls_with_the_same_external_id_change_nothing_twice(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    first = _provision(client, key, "cust-9")
    second = _provision(client, key, "cust-9")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["subscription_id"] == second.json()["subscription_id"]
    for _ in range(3):
        answer = client.post("/api/v1/partner/subscriptions/cust-9/suspend", headers=_as(key))
        assert answer.json()["status"] == "suspended"
    with database.reading() as session:
        subscriptions = session.scalar(select(func.count()).select_from(Subscription))
        suspensions = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "subscription.suspended")
        )
        invitations = session.scalar(
            select(func.count())
            .select_from(OutboxEmail)
            .where(OutboxEmail.template == "invitation")
        )
    assert (subscriptions, suspensions, invitations) == (1, 1, 1)
    reused = _provision(client, key, "cust-9", email="someone.else@example.com")
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "external_id_reused"


def test_a_provider_subscription_is_not_cancelled_by_the_customer_in_subdesk(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    sid = _provision(client, key, "cust-3").json()["subscription_id"]
    customer = _accept_invitation(database, runtime, client)
    refused = client.post(
        f"/api/v1/subscriptions/{sid}/cancel", json={"when": "now"}, headers=customer
    )
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "billed_elsewhere"
    assert refused.json()["error"]["steps"]
    assert client.get(f"/api/v1/subscriptions/{sid}", headers=customer).json()["status"] == "active"


def test_the_worker_moves_a_provider_period_on_without_charging_and_not_while_suspended(
    client: TestClient, database: Database, runtime: Runtime, clock: TestClock
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    sid = _provision(client, key, "cust-5").json()["subscription_id"]
    first_end = client.get("/api/v1/partner/subscriptions/cust-5", headers=_as(key)).json()[
        "current_period_end"
    ]
    run_days(clock, database, runtime, 366)
    rolled = client.get("/api/v1/partner/subscriptions/cust-5", headers=_as(key)).json()
    assert rolled["status"] == "active"
    assert rolled["current_period_end"] > first_end
    assert count(database, Payment) == 0
    client.post("/api/v1/partner/subscriptions/cust-5/suspend", headers=_as(key))
    run_days(clock, database, runtime, 400)
    paused = client.get("/api/v1/partner/subscriptions/cust-5", headers=_as(key)).json()
    assert paused["status"] == "suspended"
    assert paused["current_period_end"] == rolled["current_period_end"]
    resumed = client.post("/api/v1/partner/subscriptions/cust-5/resume", headers=_as(key)).json()
    assert resumed["protected"] is True
    assert resumed["current_period_end"] > clock.now().isoformat()
    assert sid == resumed["subscription_id"]
