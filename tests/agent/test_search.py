"""Acceptance 1 (functional): an agent finds a customer by each key of the search box."""

from __future__ import annotations

from urllib.parse import quote

from fastapi.testclient import TestClient

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.licensing.retail import generate_batch
from tests.agent.console import Console, known_customer


def _found(as_agent: Console, query: str) -> str:
    page = as_agent.client.get(f"/agent?q={quote(query)}")
    assert page.status_code == 200, page.text
    return page.text


def test_an_agent_finds_the_customer_by_every_search_key(
    client: TestClient, as_agent: Console
) -> None:
    known_customer(client, "Otto Other")
    found = known_customer(client)
    link = f'href="/agent/customers/{found.account_id}"'
    opened = as_agent.post_form(
        f"/agent/customers/{found.account_id}",
        f"/agent/customers/{found.account_id}/cases",
        subject="Where is my refund?",
        category="refund",
        body="Asked by phone.",
    )
    case = opened.headers["location"].rsplit("/", 1)[1]
    keys = {
        "email": found.who.email.upper(),
        "name": found.name,
        "name prefix, any case": "quinn sear",
        "invoice": found.invoice.lower(),
        "cancellation": found.cancellation_id.lower(),
        "device": found.device_name,
        "card": "4242 12/30",
        "case": case,
    }
    for key, query in keys.items():
        page = _found(as_agent, query)
        assert link in page, key
    assert "Otto Other" not in _found(as_agent, found.name)


def test_a_redeemed_product_key_finds_its_customer(
    client: TestClient, as_agent: Console, database: Database, runtime: Runtime
) -> None:
    found = known_customer(client)
    with database.transaction() as session:
        (key,) = generate_batch(Work(session, runtime), "av1-year-usd", 1, "shop-1")
    redeemed = client.post("/api/v1/redeem", json={"key": key}, headers=found.who.headers)
    assert redeemed.status_code == 201, redeemed.text
    assert f'href="/agent/customers/{found.account_id}"' in _found(as_agent, key.lower())


def test_nothing_matching_says_so(as_agent: Console) -> None:
    assert "0 customers found" in _found(as_agent, "nobody@example.com")
