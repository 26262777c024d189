"""The provider's customer in the portal: reactivate asks the provider, "Stay protected"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from subdesk.context import Runtime
from subdesk.db import Database
from tests.channels.provider_server import ProviderServer
from tests.channels.test_partners import EMAIL, _accept_invitation, _as, _partner, _provision
from tests.factories import PASSWORD
from tests.portal.pages import csrf_of


@pytest.fixture
def provider() -> Iterator[ProviderServer]:
    server = ProviderServer()
    server.start()
    yield server
    server.stop()


def _sign_in(client: TestClient) -> None:
    page = client.get("/sign-in")
    client.post("/sign-in", data={"csrftoken": csrf_of(page), "email": EMAIL, "password": PASSWORD})


def test_reactivating_in_the_portal_asks_the_provider_and_says_what_it_answered(
    client: TestClient, database: Database, runtime: Runtime, provider: ProviderServer
) -> None:
    key = _partner(database, runtime, "fastnet", provider.status_url)
    sid = _provision(client, key, "cust-1").json()["subscription_id"]
    _accept_invitation(database, runtime, client)
    _sign_in(client)
    client.post("/api/v1/partner/subscriptions/cust-1/suspend", headers=_as(key))
    page = client.get(f"/account/subscriptions/{sid}")
    assert "Your service provider paused your protection" in page.text
    still = client.post(
        f"/account/subscriptions/{sid}/reactivate", data={"csrftoken": csrf_of(page)}
    )
    assert still.status_code == 409
    assert "still reports a billing problem" in still.text
    provider.statuses["cust-1"] = "active"
    done = client.post(
        f"/account/subscriptions/{sid}/reactivate", data={"csrftoken": csrf_of(page)}
    )
    assert done.status_code == 200
    assert "Active, renews on" in done.text


def test_a_customer_whose_provider_ended_it_is_offered_to_stay_protected(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    sid = _provision(client, key, "cust-2").json()["subscription_id"]
    _accept_invitation(database, runtime, client)
    _sign_in(client)
    client.post("/api/v1/partner/subscriptions/cust-2/cancel", headers=_as(key))
    page = client.get(f"/account/subscriptions/{sid}").text
    assert "Stay protected" in page
    assert 'href="/plans"' in page
