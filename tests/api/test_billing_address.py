"""The billing address through the API: set, change, audited; bad input refused, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.db import Database
from subdesk.models import AuditEvent, BillingAddress
from tests.factories import customer

URL = "/api/v1/me/billing-address"
BERLIN = {
    "name": "Erika Mustermann",
    "line1": "Heidestraße 17",
    "postal_code": "10557",
    "city": "Berlin",
    "country": "DE",
    "subdivision": "BE",
}


def _address_events(database: Database) -> list[AuditEvent]:
    with database.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.action.like("billing_address.%"))
        events = list(session.scalars(query.order_by(AuditEvent.id)))
        session.expunge_all()
        return events


def _stored(database: Database) -> list[dict[str, Any]]:
    with database.transaction() as session:
        return [
            {"country": a.country, "subdivision": a.subdivision, "vat_id": a.vat_id}
            for a in session.scalars(select(BillingAddress))
        ]


def test_no_billing_address_yet_answers_404(client: TestClient) -> None:
    alice = customer(client, country="DE", region=None)
    answer = client.get(URL, headers=alice.headers)
    assert answer.status_code == 404
    assert answer.json()["error"]["code"] == "no_billing_address"


def test_a_customer_sets_and_changes_the_billing_address_and_both_are_audited(
    client: TestClient, database: Database
) -> None:
    alice = customer(client, country="DE", region=None)
    first = client.put(URL, json=BERLIN, headers=alice.headers)
    assert first.status_code == 200, first.text
    assert first.json()["tax_jurisdiction"] == "DE"
    assert first.json()["prices_include_tax"] is True
    moved = {**BERLIN, "line1": "Rue de Rivoli 1", "postal_code": "75001", "city": "Paris"}
    moved.update(country="FR", subdivision=None, vat_id="FR 40 303 265 045")
    second = client.put(URL, json=moved, headers=alice.headers)
    assert second.status_code == 200, second.text
    read = client.get(URL, headers=alice.headers).json()
    assert (read["city"], read["country"], read["vat_id"]) == ("Paris", "FR", "FR40303265045")
    events = _address_events(database)
    assert [e.action for e in events] == ["billing_address.set", "billing_address.set"]
    assert events[0].before is None
    assert events[1].before == {"country": "DE", "subdivision": "BE", "vat_id": None}
    assert events[1].after is not None
    assert events[1].after["country"] == "FR"
    assert set(events[1].after["changed"]) >= {"line1", "city", "country", "vat_id"}
    assert "Rue de Rivoli 1" not in str(events[1].after)  # no street in the append-only log
    assert all(e.actor_type == "customer" for e in events)


def test_saving_the_same_address_again_changes_nothing(
    client: TestClient, database: Database
) -> None:
    alice = customer(client, country="DE", region=None)
    for _ in range(2):
        assert client.put(URL, json=BERLIN, headers=alice.headers).status_code == 200
    assert len(_address_events(database)) == 1


def test_a_us_address_names_its_state(client: TestClient) -> None:
    bob = customer(client, country="US", region="NY")
    address = {**BERLIN, "city": "Albany", "postal_code": "12207", "country": "US"}
    answer = client.put(URL, json={**address, "subdivision": "US-ny"}, headers=bob.headers)
    assert answer.status_code == 200, answer.text
    assert (answer.json()["subdivision"], answer.json()["tax_jurisdiction"]) == ("NY", "US-NY")
    assert answer.json()["prices_include_tax"] is False


BAD = [
    ({"subdivision": "ZZ"}, "subdivision", "invalid_subdivision"),
    ({"country": "US", "subdivision": "BE"}, "subdivision", "invalid_subdivision"),
    ({"country": "US", "subdivision": None}, "subdivision", "required"),
    ({"country": "XX"}, "country", "invalid_country"),
    ({"vat_id": "FR40303265045"}, "vat_id", "vat_id_country_mismatch"),
    ({"vat_id": "DE136695977"}, "vat_id", "invalid_vat_id"),
    ({"city": "   "}, "city", "required"),
    ({"postal_code": None}, "postal_code", "required"),
]


@pytest.mark.parametrize(("change", "field", "code"), BAD)
def test_a_bad_address_is_refused_with_its_field_and_nothing_is_written(
    client: TestClient, database: Database, change: dict[str, Any], field: str, code: str
) -> None:
    alice = customer(client, country="DE", region=None)
    refused = client.put(URL, json={**BERLIN, **change}, headers=alice.headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == field
    assert refused.json()["error"]["code"] == code
    assert _stored(database) == []
    assert _address_events(database) == []


def test_a_refused_change_leaves_the_address_as_it_was(
    client: TestClient, database: Database
) -> None:
    alice = customer(client, country="DE", region=None)
    client.put(URL, json={**BERLIN, "vat_id": "DE136695976"}, headers=alice.headers)
    wrong = {**BERLIN, "country": "AT", "subdivision": "9", "vat_id": "DE136695976"}
    refused = client.put(URL, json=wrong, headers=alice.headers)
    assert refused.status_code == 422
    assert refused.json()["error"]["field"] == "vat_id"
    assert "billing address is in AT" in refused.json()["error"]["message"]
    assert _stored(database) == [{"country": "DE", "subdivision": "BE", "vat_id": "DE136695976"}]
    assert len(_address_events(database)) == 1


def test_the_billing_address_needs_a_signed_in_customer(client: TestClient) -> None:
    assert client.get(URL).status_code == 401
    assert client.put(URL, json=BERLIN).status_code == 401


def test_closing_the_account_erases_the_billing_address(
    client: TestClient, database: Database
) -> None:
    alice = customer(client, country="DE", region=None)
    client.put(URL, json=BERLIN, headers=alice.headers)
    closed = client.request("DELETE", "/api/v1/me", json={"reason": "done"}, headers=alice.headers)
    assert closed.status_code == 200, closed.text
    assert _stored(database) == []
    assert [e.action for e in _address_events(database)][-1] == "billing_address.erased"
