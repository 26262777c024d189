"""Buying a product twice in the portal: the plan's page says it is yours already and offers
the choices (upgrade, keep it going, a second one on purpose); buying without the box is
refused before any charge and keeps no card, with the box it is charged as a second one."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.billing.sandbox import SandboxGateway
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Payment, PaymentMethod, Plan, Subscription
from tests.api.helpers import count
from tests.factories import plan_id
from tests.portal.pages import Visitor, subscription_id_of


def captures(runtime: Runtime) -> int:
    gateway: SandboxGateway = runtime.gateway  # type: ignore[assignment]
    return gateway.ledger.captures()


def bought(client: TestClient) -> tuple[Visitor, str]:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.buy(plan_id(client, "av1-year-usd"))
    assert response.status_code == 303, response.text
    return visitor, subscription_id_of(response.headers["location"])


def test_the_page_of_a_product_you_have_says_so_with_the_choices(client: TestClient) -> None:
    _visitor, sid = bought(client)
    page = client.get(f"/plans/{plan_id(client, 'av1-month-usd')}")
    assert page.status_code == 200
    assert "You already have this" in page.text
    assert "You already have Shield Antivirus, 1 device, yearly" in page.text
    for choice in ("upgrade", "extend", "buy_anyway"):
        assert f'data-choice="{choice}"' in page.text
    assert f'action="/account/subscriptions/{sid}/upgrade"' in page.text
    assert "Upgrade to Shield Suite, 3 devices, yearly" in page.text
    assert 'name="confirm_second_purchase"' in page.text
    other = client.get(f"/plans/{plan_id(client, 'vpn-addon-year-usd')}")
    assert "You already have this" not in other.text


def test_buying_it_again_is_refused_before_any_charge_and_keeps_no_new_card(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    visitor, _sid = bought(client)
    cards, charged = count(database, PaymentMethod), captures(runtime)
    refused = visitor.buy(plan_id(client, "av1-year-usd"), card_id="new")
    assert refused.status_code == 409
    assert 'data-refusal="already_subscribed"' in refused.text
    assert 'name="confirm_second_purchase"' in refused.text
    assert (count(database, Subscription), count(database, Payment)) == (1, 1)
    assert (count(database, PaymentMethod), captures(runtime)) == (cards, charged)


def test_with_the_box_ticked_a_second_one_is_bought_on_purpose(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    visitor, first = bought(client)
    response = visitor.buy(plan_id(client, "av1-year-usd"), confirm_second_purchase="on")
    assert response.status_code == 303, response.text
    second = subscription_id_of(response.headers["location"])
    assert second != first
    assert captures(runtime) == 2
    with database.transaction() as session:
        row = session.get_one(Subscription, uuid.UUID(second))
        assert row.second_purchase_confirmed is True


def test_the_upgrade_offered_instead_moves_the_subscription_to_the_bigger_plan(
    client: TestClient, database: Database
) -> None:
    visitor, sid = bought(client)
    suite = plan_id(client, "suite3-year-usd")
    page = f"/plans/{plan_id(client, 'av1-year-usd')}"
    done = visitor.submit(
        page, f"/account/subscriptions/{sid}/upgrade", plan_id=suite, form_key="up-1"
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == f"/account/subscriptions/{sid}"
    with database.transaction() as session:
        row = session.get_one(Subscription, uuid.UUID(sid))
        plan = session.get_one(Plan, row.plan_id)
        kinds = sorted(p.kind for p in session.scalars(select(Payment)))
    assert plan.code == "suite3-year-usd"
    assert kinds == ["initial", "proration"]
    assert count(database, Subscription) == 1
