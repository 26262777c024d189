"""Add-ons end with their main plan: on its terms, each with its own refund, never charged
after it; renewing the main plan again offers them back."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent, Cancellation, Payment, Refund, Subscription
from subdesk.worker.renewals import run_pass
from tests.api.helpers import run_days
from tests.channels.test_partners import _accept_invitation, _as, _partner, _provision
from tests.factories import Customer, add_card, customer, set_auto_renew, subscribe


def _get(client: TestClient, who: Customer, sid: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/subscriptions/{sid}", headers=who.headers)
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _cancel(client: TestClient, who: Customer, sid: str, when: str) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/subscriptions/{sid}/cancel", json={"when": when}, headers=who.headers
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _rows(database: Database, model: Any, sid: str) -> list[Any]:
    with database.reading() as session:
        query = select(model).where(model.subscription_id == uuid.UUID(sid))
        rows = list(session.scalars(query))
        session.expunge_all()  # read after the session closes
        return rows


def _audited(database: Database, sid: str, action: str) -> int:
    return sum(1 for event in _rows(database, AuditEvent, sid) if event.action == action)


def _main_and_vpn(client: TestClient, clock: TestClock, days_between: int = 0) -> Any:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    clock.advance(timedelta(days=days_between))
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    return anna, main, vpn


def test_an_add_on_joins_the_main_plan_it_is_bought_beside(
    client: TestClient, clock: TestClock
) -> None:
    anna, main, vpn = _main_and_vpn(client, clock)
    assert vpn["main_subscription_id"] == main["id"]
    listed = _get(client, anna, main["id"])["addons"]
    assert [(a["id"], a["auto_renew"], a["can_renew_again"]) for a in listed] == [
        (vpn["id"], True, False)
    ]


def test_cancel_now_ends_the_add_on_now_with_the_refund_its_own_charge_gets(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    # The main plan is 61 days old (outside its guarantee), the add-on 30 (inside its own).
    anna, main, vpn = _main_and_vpn(client, clock, days_between=31)
    clock.advance(timedelta(days=30))
    done = _cancel(client, anna, main["id"], "now")
    assert done["refund"]["amount"] == 0
    assert done["protected_until"] == main["current_period_end"]
    (addon,) = done["addons"]
    assert addon["subscription_id"] == vpn["id"]
    assert addon["when"] == "now"
    assert addon["refund"] == {"amount": 2999, "currency": "USD"}
    assert addon["protected_until"] == addon["requested_at"]
    assert [s["service"] for s in addon["services_ending"]] == ["Secure VPN"]
    assert _get(client, anna, vpn["id"])["status"] == "canceled"
    assert _get(client, anna, vpn["id"])["protected"] is False

    (refund,) = _rows(database, Refund, vpn["id"])
    (payment,) = _rows(database, Payment, vpn["id"])
    (main_cancellation,) = _rows(database, Cancellation, main["id"])
    assert refund.idempotency_key == f"cancel:{main_cancellation.id}:addon:{vpn['id']}:{payment.id}"
    assert _audited(database, vpn["id"], "subscription.canceled_now") == 1

    again = _cancel(client, anna, main["id"], "now")
    assert (again["id"], [a["id"] for a in again["addons"]]) == (done["id"], [addon["id"]])
    found = client.get(f"/api/v1/cancellations/{done['id']}", headers=anna.headers).json()
    assert [a["id"] for a in found["addons"]] == [addon["id"]]
    assert len(_rows(database, Refund, vpn["id"])) == 1


def test_the_preview_lists_every_service_that_ends_with_each_refund(
    client: TestClient, clock: TestClock
) -> None:
    anna, main, vpn = _main_and_vpn(client, clock, days_between=10)
    answer = client.get(f"/api/v1/subscriptions/{main['id']}/cancellation", headers=anna.headers)
    assert answer.status_code == 200, answer.text
    preview = answer.json()
    assert preview["services_ending"] == ["Antivirus", "Secure VPN"]
    (addon,) = preview["addons"]
    assert (addon["subscription_id"], addon["plan"]) == (vpn["id"], "Secure VPN add-on, yearly")
    choices = {c["when"]: c for c in addon["choices"]}
    assert choices["now"]["refund"] == {"amount": 2999, "currency": "USD"}
    assert choices["now"]["refund_basis"] == "money_back_guarantee"
    assert choices["period_end"]["refund"]["amount"] == 0
    # It stops with the main plan, before its own period end.
    assert choices["period_end"]["protected_until"] == main["current_period_end"]
    assert vpn["current_period_end"] > main["current_period_end"]


def test_cancel_at_period_end_stops_the_add_on_with_the_main_plan(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna, main, vpn = _main_and_vpn(client, clock, days_between=100)
    done = _cancel(client, anna, main["id"], "period_end")
    (addon,) = done["addons"]
    assert (addon["when"], addon["refund"]["amount"]) == ("period_end", 0)
    assert addon["protected_until"] == main["current_period_end"]
    running = _get(client, anna, vpn["id"])
    assert (running["status"], running["auto_renew"]) == ("active", False)
    assert running["protected_until"] == main["current_period_end"]
    assert running["no_further_charges"] is True

    clock.advance(timedelta(days=266))  # a day past the main plan's end
    run_pass(database, runtime)
    assert _get(client, anna, main["id"])["status"] == "canceled"
    ended = _get(client, anna, vpn["id"])
    assert (ended["status"], ended["protected"]) == ("canceled", False)
    clock.advance(timedelta(days=200))  # past the add-on's own period end
    run_pass(database, runtime)
    assert len(_rows(database, Payment, vpn["id"])) == 1


def test_turning_the_main_plans_renewal_back_on_offers_the_add_on_back(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    anna, main, vpn = _main_and_vpn(client, clock, days_between=100)
    off = set_auto_renew(client, anna, main["id"], False).json()
    assert [(a["auto_renew"], a["can_renew_again"]) for a in off["addons"]] == [(False, False)]
    stopped = _get(client, anna, vpn["id"])
    assert (stopped["auto_renew"], stopped["protected_until"]) == (
        False,
        main["current_period_end"],
    )
    assert _audited(database, vpn["id"], "subscription.auto_renew_disabled") == 1

    refused = set_auto_renew(client, anna, vpn["id"], True)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "addon_main_not_renewing"
    assert refused.json()["error"]["field"] == "enabled"

    on = set_auto_renew(client, anna, main["id"], True).json()
    assert [(a["id"], a["can_renew_again"]) for a in on["addons"]] == [(vpn["id"], True)]
    assert _get(client, anna, vpn["id"])["auto_renew"] is False  # offered, not switched on
    back = set_auto_renew(client, anna, vpn["id"], True)
    assert back.status_code == 200, back.text
    assert back.json()["auto_renew"] is True
    assert back.json()["protected_until"] == vpn["current_period_end"]
    assert back.json()["next_charge"]["date"] == vpn["current_period_end"]


def test_an_add_on_is_not_sold_beside_a_plan_that_does_not_renew(client: TestClient) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    set_auto_renew(client, anna, main["id"], False)
    answer = client.post(
        "/api/v1/subscriptions",
        json={
            "plan_id": _plan(client, "vpn-addon-year-usd"),
            "payment_method_id": anna.card_id,
            "auto_renew_consent": True,
        },
        headers={**anna.headers, "Idempotency-Key": "vpn-beside-a-stopped-plan"},
    )
    assert answer.status_code == 409
    assert answer.json()["error"] == {
        "code": "addon_main_not_renewing",
        "message": answer.json()["error"]["message"],
        "field": "plan_id",
    }


def _plan(client: TestClient, code: str) -> str:
    return next(p["id"] for p in client.get("/api/v1/plans").json() if p["code"] == code)


def test_an_expired_main_plan_ends_its_add_on_which_is_never_charged_again(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-month-usd")
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    declining = add_card(client, anna.headers, "4000000000000341")
    changed = client.put(
        f"/api/v1/subscriptions/{main['id']}/payment-method",
        json={"payment_method_id": declining},
        headers=anna.headers,
    )
    assert changed.status_code == 200, changed.text
    run_days(clock, database, runtime, 40)  # declined at its end, retried, expired
    assert _get(client, anna, main["id"])["status"] == "expired"
    ended = _get(client, anna, vpn["id"])
    assert (ended["status"], ended["protected"]) == ("canceled", False)
    (refund,) = _rows(database, Refund, vpn["id"])  # 38 days in: its guarantee refunds it all
    assert (refund.amount_minor, refund.reason) == (2999, "money_back_guarantee")
    assert _audited(database, vpn["id"], "subscription.canceled_now") == 1
    clock.advance(timedelta(days=400))
    run_pass(database, runtime)
    assert len(_rows(database, Payment, vpn["id"])) == 1


def test_closing_the_account_ends_the_add_ons_and_lists_their_cancellations(
    client: TestClient, clock: TestClock, database: Database
) -> None:
    anna, main, vpn = _main_and_vpn(client, clock, days_between=5)
    closed = client.request("DELETE", "/api/v1/me", headers=anna.headers)
    assert closed.status_code == 200, closed.text
    (main_cancellation,) = _rows(database, Cancellation, main["id"])
    (addon_cancellation,) = _rows(database, Cancellation, vpn["id"])
    assert addon_cancellation.main_cancellation_id == main_cancellation.id
    assert closed.json()["cancellations"] == [
        main_cancellation.public_id,
        addon_cancellation.public_id,
    ]
    (refund,) = _rows(database, Refund, vpn["id"])
    assert refund.amount_minor == 2999


def test_the_worker_never_charges_an_add_on_whose_main_plan_does_not_renew(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    clock.advance(timedelta(days=300))
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    clock.advance(timedelta(days=66))
    run_pass(database, runtime)  # the main plan renews
    with database.transaction() as session:  # its renewal stops, the add-on's is left on
        row = session.get_one(Subscription, uuid.UUID(main["id"]))
        row.auto_renew = False
    clock.advance(timedelta(days=300))  # past the add-on's period end
    outcomes = run_pass(database, runtime)
    assert outcomes["ended_with_main"] == 1
    ended = _get(client, anna, vpn["id"])
    assert (ended["status"], ended["auto_renew"]) == ("expired", False)
    assert len(_rows(database, Payment, vpn["id"])) == 1
    assert len(_rows(database, Payment, main["id"])) == 2


def test_a_provider_cancel_ends_the_add_on_bought_beside_it(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key = _partner(database, runtime, "fastnet", None)
    sid = _provision(client, key, "cust-7").json()["subscription_id"]
    headers = _accept_invitation(database, runtime, client)
    card = add_card(client, headers)
    bought = client.post(
        "/api/v1/subscriptions",
        json={
            "plan_id": _plan(client, "backup-addon-year-usd"),
            "payment_method_id": card,
            "auto_renew_consent": True,
        },
        headers={**headers, "Idempotency-Key": "backup-beside-the-provider-plan"},
    )
    assert bought.status_code == 201, bought.text
    backup = bought.json()
    assert backup["main_subscription_id"] == sid
    client.post("/api/v1/partner/subscriptions/cust-7/cancel", headers=_as(key))
    ended = client.get(f"/api/v1/subscriptions/{backup['id']}", headers=headers).json()
    assert (ended["status"], ended["protected"]) == ("canceled", False)
    (cancellation,) = _rows(database, Cancellation, backup["id"])
    assert cancellation.reason == "Ended with its main plan: cancel by fastnet"
    assert [r.amount_minor for r in _rows(database, Refund, backup["id"])] == [1999]
