"""Bundles and add-ons: cancelling lists every service that ends; entitlements follow."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.licensing.tokens import verify
from tests.api.test_licenses import activate, check_in
from tests.factories import Customer, customer, plan_id, subscribe


def _services(client: TestClient, runtime: Runtime, clock: TestClock, token: str) -> list[str]:
    answer = check_in(client, token)
    keys = {k["key_id"]: k["public_key"] for k in runtime.signer.public_keys()}
    claims = verify(answer["offline_token"], keys, clock.now())
    assert claims is not None
    services: list[str] = claims["services"]
    return sorted(services)


def _cancel(client: TestClient, who: Customer, sub_id: str, **body: Any) -> dict[str, Any]:
    answer = client.post(
        f"/api/v1/subscriptions/{sub_id}/cancel", json={"when": "now", **body}, headers=who.headers
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def test_the_app_loses_the_vpn_when_the_vpn_add_on_is_cancelled(
    client: TestClient, runtime: Runtime, clock: TestClock
) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    token = activate(client, anna, main["id"], "0001").json()["device_token"]
    assert _services(client, runtime, clock, token) == ["antivirus", "vpn"]
    done = _cancel(client, anna, vpn["id"])
    assert [s["service"] for s in done["services_ending"]] == ["Secure VPN"]
    assert _services(client, runtime, clock, token) == ["antivirus"]
    assert check_in(client, token)["code"] == "ACTIVE"


def test_cancelling_a_bundle_lists_every_service_with_its_end_date(client: TestClient) -> None:
    anna = customer(client)
    total = subscribe(client, anna, "total5-year-usd")
    done = _cancel(client, anna, total["id"], when="period_end")
    ending = {s["service"]: s["ends_at"] for s in done["services_ending"]}
    assert set(ending) == {"Antivirus", "Secure VPN", "Cloud Backup", "Identity Monitoring"}
    assert set(ending.values()) == {total["current_period_end"]}


def test_add_ons_are_cancelled_in_the_same_request_when_asked(client: TestClient) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    backup = subscribe(client, anna, "backup-addon-year-usd")
    done = _cancel(client, anna, main["id"], include_addons=True)
    assert {a["subscription_id"] for a in done["addons"]} == {vpn["id"], backup["id"]}
    ended = [s["service"] for a in done["addons"] for s in a["services_ending"]]
    assert sorted(ended) == ["Cloud Backup", "Secure VPN"]
    for sub in (vpn, backup):
        got = client.get(f"/api/v1/subscriptions/{sub['id']}", headers=anna.headers).json()
        assert got["status"] == "canceled"


def test_an_add_on_needs_a_main_subscription(client: TestClient) -> None:
    anna = customer(client)
    answer = client.post(
        "/api/v1/subscriptions",
        json={
            "plan_id": plan_id(client, "vpn-addon-year-usd"),
            "payment_method_id": anna.card_id,
            "auto_renew_consent": True,
        },
        headers=anna.headers,
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "addon_needs_main_plan"


def test_an_add_on_holds_no_devices(client: TestClient) -> None:
    anna = customer(client)
    subscribe(client, anna, "av1-year-usd")
    vpn = subscribe(client, anna, "vpn-addon-year-usd")
    answer = activate(client, anna, vpn["id"], "0002")
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "addon_has_no_seats"


def test_a_main_plan_cannot_be_switched_to_an_add_on(client: TestClient) -> None:
    anna = customer(client)
    main = subscribe(client, anna, "av1-year-usd")
    answer = client.put(
        f"/api/v1/subscriptions/{main['id']}/plan",
        json={"plan_id": plan_id(client, "vpn-addon-year-usd")},
        headers=anna.headers,
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "addon_plan_change"
