"""Staff ask a service provider again about a subscription it suspended, in the console and
through the API: reactivated when the provider says so, otherwise nothing changes; the
check is audited with its reason either way."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Subscription
from tests.agent.agent_api import API, error_of, staff_headers
from tests.agent.console import Console, Member, events, known_customer
from tests.channels.provider_server import ProviderServer
from tests.channels.test_partners import _as, _partner, _provision

EXTERNAL_ID = "cust-7"
CHECKED = "support.provider_checked"


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    server = ProviderServer()
    server.start()
    yield server
    server.stop()


@dataclass
class Suspended:
    account_id: str
    subscription_id: str

    @property
    def page(self) -> str:
        return f"/agent/customers/{self.account_id}"

    @property
    def console_action(self) -> str:
        return f"{self.page}/subscriptions/{self.subscription_id}/provider-check"

    @property
    def api_action(self) -> str:
        return API + self.console_action.removeprefix("/agent")


@pytest.fixture
def suspended(
    client: TestClient, database: Database, runtime: Runtime, provider: ProviderServer
) -> Suspended:
    """A provider's customer whose subscription the provider suspended."""
    key = _partner(database, runtime, "fastnet", provider.status_url)
    sid = _provision(client, key, EXTERNAL_ID).json()["subscription_id"]
    answer = client.post(f"/api/v1/partner/subscriptions/{EXTERNAL_ID}/suspend", headers=_as(key))
    assert answer.status_code == 200, answer.text
    return Suspended(str(_subscription(database, sid).account_id), sid)


def _subscription(database: Database, subscription_id: str) -> Subscription:
    with database.reading() as session:
        found = session.get(Subscription, uuid.UUID(subscription_id))
        assert found is not None
        session.expunge(found)
        return found


def test_the_console_asks_the_provider_and_says_it_still_suspends_changing_nothing(
    as_agent: Console,
    agent: Member,
    database: Database,
    provider: ProviderServer,
    suspended: Suspended,
) -> None:
    done = as_agent.post_form(suspended.page, suspended.console_action, reason="Customer paid")
    assert done.status_code == 303, done.text
    assert provider.asked == [EXTERNAL_ID]
    page = as_agent.client.get(done.headers["location"])
    assert "still says this subscription is suspended" in page.text
    assert _subscription(database, suspended.subscription_id).status == "suspended"
    (event,) = events(database, CHECKED)
    assert (event.actor_id, event.reason) == (str(agent.id), "Customer paid")
    after = {"provider_status": "suspended", "reactivated": False, "status": "suspended"}
    assert event.after == after


def test_the_console_reactivates_when_the_provider_says_the_account_is_active(
    as_agent: Console, database: Database, provider: ProviderServer, suspended: Suspended
) -> None:
    provider.statuses[EXTERNAL_ID] = "active"
    done = as_agent.post_form(suspended.page, suspended.console_action, reason="Paid the ISP")
    assert done.status_code == 303
    page = as_agent.client.get(done.headers["location"])
    assert "the subscription is reactivated" in page.text
    assert _subscription(database, suspended.subscription_id).status == "active"
    assert f'action="{suspended.console_action}"' not in page.text
    (event,) = events(database, CHECKED)
    assert event.after is not None
    assert event.after["reactivated"] is True
    assert events(database, "subscription.resumed")


def test_the_console_check_needs_a_reason_and_asks_no_one_without(
    as_agent: Console, database: Database, provider: ProviderServer, suspended: Suspended
) -> None:
    refused = as_agent.post_form(suspended.page, suspended.console_action, reason="")
    assert refused.status_code == 400
    assert "Give a reason" in refused.text
    assert provider.asked == []
    assert events(database, CHECKED) == []


def test_a_subscription_not_billed_by_a_provider_has_no_check(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = f"/agent/customers/{found.account_id}"
    action = f"{page}/subscriptions/{found.subscription_id}/provider-check"
    shown = as_agent.client.get(page).text
    assert "provider-check" not in shown
    token = shown.split('name="csrftoken" value="', 1)[1].split('"', 1)[0]
    refused = as_agent.client.post(action, data={"csrftoken": token, "reason": "Just checking"})
    assert refused.status_code == 409
    assert "not billed by a service provider" in refused.text
    assert events(database, CHECKED) == []


def test_the_api_check_reports_the_providers_answer_and_reactivates_only_when_active(
    client: TestClient,
    clock: TestClock,
    agent: Member,
    database: Database,
    provider: ProviderServer,
    suspended: Suspended,
) -> None:
    headers = staff_headers(client, clock, agent)
    still = client.post(suspended.api_action, json={"reason": "Customer paid"}, headers=headers)
    assert still.status_code == 200, still.text
    assert (still.json()["provider_status"], still.json()["reactivated"]) == ("suspended", False)
    assert still.json()["subscription"]["status"] == "suspended"
    assert "still says" in still.json()["message"]
    provider.statuses[EXTERNAL_ID] = "active"
    keyed = {**headers, "Idempotency-Key": "check-2"}
    back = client.post(suspended.api_action, json={"reason": "Paid now"}, headers=keyed)
    assert back.status_code == 200, back.text
    assert back.json()["reactivated"] is True
    assert back.json()["subscription"]["status"] == "active"
    again = client.post(suspended.api_action, json={"reason": "Paid now"}, headers=keyed)
    assert again.json() == back.json()
    assert provider.asked == [EXTERNAL_ID, EXTERNAL_ID]
    assert [e.reason for e in events(database, CHECKED)] == ["Customer paid", "Paid now"]
    after = client.post(suspended.api_action, json={"reason": "Once more"}, headers=headers)
    assert after.status_code == 409
    assert error_of(after)["code"] == "not_suspended_by_provider"


def test_the_api_check_refuses_a_direct_subscription(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    action = f"{API}/customers/{found.account_id}/subscriptions/{found.subscription_id}"
    refused = client.post(
        f"{action}/provider-check", json={"reason": "Just checking"}, headers=headers
    )
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "not_a_provider_subscription"
    assert events(database, CHECKED) == []
