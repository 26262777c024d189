"""Devices and licenses: seats, check-in codes, offline tokens, isolation."""

from __future__ import annotations

import base64
import json
import threading
import uuid
from datetime import timedelta
from typing import Any

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.licensing.tokens import PURPOSE, verify
from subdesk.models import Subscription
from tests.api.helpers import run_days
from tests.factories import Customer, add_card, customer, subscribe


def activate(client: TestClient, who: Customer, sub_id: str, fingerprint: str) -> Any:
    body = {
        "subscription_id": sub_id,
        "device": {
            "fingerprint": f"device-{fingerprint}",
            "name": f"PC {fingerprint}",
            "platform": "windows",
        },
    }
    return client.post("/api/v1/licenses/activate", json=body, headers=who.headers)


def check_in(client: TestClient, token: str) -> dict[str, Any]:
    response = client.post(
        "/api/v1/licenses/check-in", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def set_status(database: Database, sub_id: str, **fields: Any) -> None:
    with database.transaction() as session:
        row = session.get(Subscription, uuid.UUID(sub_id))
        assert row is not None
        for name, value in fields.items():
            setattr(row, name, value)


def test_three_seats_three_devices_the_fourth_waits_for_a_free_seat(client: TestClient) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "suite3-year-usd")
    tokens = [
        activate(client, anna, sub["id"], f"fp-000{n}").json()["device_token"] for n in range(3)
    ]
    fourth = activate(client, anna, sub["id"], "fp-0003")
    assert fourth.status_code == 409
    assert fourth.json()["error"]["code"] == "too_many_devices"
    devices = client.get("/api/v1/devices", headers=anna.headers).json()
    assert len(devices) == 3
    removed = client.delete(f"/api/v1/devices/{devices[0]['id']}", headers=anna.headers)
    assert removed.status_code == 204
    assert activate(client, anna, sub["id"], "fp-0003").status_code == 201
    gone = check_in(client, tokens[0])
    assert (gone["code"], gone["protected"]) == ("DEVICE_REMOVED", False)
    assert "activate" in gone["actions"]


def test_reactivating_the_same_fingerprint_keeps_its_seat(client: TestClient) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")  # one seat
    first = activate(client, anna, sub["id"], "fp-laptop")
    again = activate(client, anna, sub["id"], "fp-laptop")
    assert again.status_code == 201
    assert again.json()["device"]["id"] == first.json()["device"]["id"]
    assert check_in(client, first.json()["device_token"])["code"] == "NOT_FOUND"  # the old token
    assert check_in(client, again.json()["device_token"])["code"] == "ACTIVE"


def test_twenty_parallel_activations_for_the_last_seat_give_it_to_one(
    client: TestClient, database: Database
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "suite3-year-usd")
    for n in range(2):
        activate(client, anna, sub["id"], f"fp-own-{n}")
    start = threading.Barrier(20)
    statuses: list[int] = []

    def one(n: int) -> None:
        start.wait()
        statuses.append(activate(client, anna, sub["id"], f"fp-race-{n:02d}").status_code)

    threads = [threading.Thread(target=one, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201] + [409] * 19
    assert len(client.get("/api/v1/devices", headers=anna.headers).json()) == 3


@pytest.fixture
def device(client: TestClient) -> tuple[Customer, dict[str, Any], str]:
    anna = customer(client)
    sub = subscribe(client, anna, "suite3-year-usd")
    token = activate(client, anna, sub["id"], "fp-main").json()["device_token"]
    return anna, sub, token


def test_active_subscription_checks_in_active_with_its_services(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    _, sub, token = device
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("ACTIVE", True)
    assert answer["protected_until"] == sub["current_period_end"]
    assert "January 15, 2027" in answer["message"]
    assert answer["actions"] == []


def test_trial_checks_in_trial(client: TestClient) -> None:
    carol = customer(client)
    sub = subscribe(client, carol, "total5-month-usd")
    answer = check_in(client, activate(client, carol, sub["id"], "fp-trial").json()["device_token"])
    assert (answer["code"], answer["protected"]) == ("TRIAL", True)
    assert "free trial" in answer["message"]


def test_past_due_checks_in_grace_with_update_payment_method(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-month-usd")
    token = activate(client, anna, sub["id"], "fp-grace").json()["device_token"]
    set_status(
        database,
        sub["id"],
        payment_method_id=uuid.UUID(add_card(client, anna.headers, "4000000000000341")),
    )
    run_days(clock, database, runtime, 31)
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("GRACE", True)
    assert answer["actions"] == ["update_payment_method"]
    assert answer["protected_until"] is not None


def test_expired_checks_in_expired_with_renew(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-month-usd")
    token = activate(client, anna, sub["id"], "fp-expired").json()["device_token"]
    client.put(
        f"/api/v1/subscriptions/{sub['id']}/auto-renew",
        json={"enabled": False},
        headers=anna.headers,
    )
    run_days(clock, database, runtime, 32)
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("EXPIRED", False)
    assert answer["actions"] == ["renew", "buy"]


def test_canceled_now_checks_in_canceled(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    anna, sub, token = device
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=anna.headers
    )
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("CANCELED", False)


def test_canceled_outside_the_guarantee_stays_active_until_the_end_date(
    client: TestClient, clock: TestClock, device: tuple[Customer, dict[str, Any], str]
) -> None:
    anna, sub, token = device
    clock.advance(timedelta(days=90))
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=anna.headers
    )
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("ACTIVE", True)
    assert answer["protected_until"] == sub["current_period_end"]


def test_provider_suspension_checks_in_suspended(
    client: TestClient, database: Database, device: tuple[Customer, dict[str, Any], str]
) -> None:
    _, sub, token = device
    set_status(database, sub["id"], status="suspended")
    answer = check_in(client, token)
    assert (answer["code"], answer["protected"]) == ("SUSPENDED_BY_PROVIDER", False)
    assert answer["actions"] == ["contact_provider", "reactivate"]


def test_devices_beyond_the_seats_check_in_too_many_devices(
    client: TestClient,
    clock: TestClock,
    database: Database,
    device: tuple[Customer, dict[str, Any], str],
) -> None:
    anna, sub, first = device
    clock.advance(timedelta(minutes=1))  # the seats go to the earliest activations
    last = [
        activate(client, anna, sub["id"], f"fp-more-{n}").json()["device_token"] for n in range(2)
    ][-1]
    one_seat = next(
        p["id"] for p in client.get("/api/v1/plans").json() if p["code"] == "av1-year-usd"
    )
    set_status(database, sub["id"], plan_id=uuid.UUID(one_seat))  # as after a downgrade
    assert check_in(client, first)["code"] == "ACTIVE"
    answer = check_in(client, last)
    assert (answer["code"], answer["protected"]) == ("TOO_MANY_DEVICES", False)
    assert answer["actions"] == ["manage_devices", "buy"]


def test_unknown_device_token_checks_in_not_found(client: TestClient) -> None:
    answer = check_in(client, "sdd_nonsense")
    assert (answer["code"], answer["protected"]) == ("NOT_FOUND", False)


def test_app_deactivation_frees_the_seat(client: TestClient) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-old-pc").json()["device_token"]
    response = client.post(
        "/api/v1/licenses/deactivate", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.json()["code"] == "DEVICE_REMOVED"
    assert activate(client, anna, sub["id"], "fp-new-pc").status_code == 201


def _public_keys(client: TestClient) -> dict[str, str]:
    return {
        k["key_id"]: k["public_key"]
        for k in client.get("/api/v1/licenses/public-key").json()["keys"]
    }


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def test_offline_token_verifies_with_the_public_key_and_cryptography_alone(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    _, sub, token = device
    offline = check_in(client, token)["offline_token"]
    payload_part, signature_part = offline.split(".")
    claims = json.loads(_unb64(payload_part))
    key = Ed25519PublicKey.from_public_bytes(_unb64(_public_keys(client)[claims["kid"]]))
    key.verify(_unb64(signature_part), PURPOSE + _unb64(payload_part))  # raises if not genuine
    assert claims["sub"] == sub["id"]
    assert claims["protected"] is True
    assert set(claims["services"]) == {"antivirus", "vpn"}


def test_tampered_expired_foreign_or_misused_tokens_are_refused(
    client: TestClient, clock: TestClock, device: tuple[Customer, dict[str, Any], str]
) -> None:
    anna, sub, token = device
    keys = _public_keys(client)
    offline = check_in(client, token)["offline_token"]
    assert verify(offline, keys, clock.now()) is not None
    payload_part, signature_part = offline.split(".")
    claims = json.loads(_unb64(payload_part))
    forged = _b64(json.dumps({**claims, "exp": "2099-01-01T00:00:00+00:00"}).encode())
    assert verify(f"{forged}.{signature_part}", keys, clock.now()) is None
    flipped = signature_part[:5] + ("A" if signature_part[5] != "A" else "B") + signature_part[6:]
    assert verify(f"{payload_part}.{flipped}", keys, clock.now()) is None
    assert verify(offline, keys, clock.now() + timedelta(days=8)) is None  # expired
    assert verify(offline, {"ed25519-unknown": next(iter(keys.values()))}, clock.now()) is None
    receipt = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel",
        json={"when": "period_end"},
        headers=anna.headers,
    ).json()["receipt"]
    receipt_payload = json.dumps(receipt["payload"], sort_keys=True, separators=(",", ":"))
    as_token = f"{_b64(receipt_payload.encode())}.{receipt['signature']}"
    assert verify(as_token, keys, clock.now()) is None
    with pytest.raises(InvalidSignature):
        Ed25519PublicKey.from_public_bytes(_unb64(next(iter(keys.values())))).verify(
            _unb64(receipt["signature"]), PURPOSE + _unb64(as_token.split(".")[0])
        )


def test_one_customer_cannot_see_rename_or_remove_anothers_devices(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    anna, sub, _ = device
    mallory = customer(client)
    (anna_device,) = client.get("/api/v1/devices", headers=anna.headers).json()
    assert client.get("/api/v1/devices", headers=mallory.headers).json() == []
    path = f"/api/v1/devices/{anna_device['id']}"
    assert client.patch(path, json={"name": "mine now"}, headers=mallory.headers).status_code == 404
    assert client.delete(path, headers=mallory.headers).status_code == 404
    assert activate(client, mallory, sub["id"], "fp-mallory").status_code == 404
    assert client.get("/api/v1/devices", headers=anna.headers).json()[0]["name"] == "PC fp-main"


def test_device_can_be_renamed(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    anna, _, _ = device
    (found,) = client.get("/api/v1/devices", headers=anna.headers).json()
    renamed = client.patch(
        f"/api/v1/devices/{found['id']}", json={"name": "Kitchen PC"}, headers=anna.headers
    )
    assert renamed.json()["name"] == "Kitchen PC"


def test_a_device_token_cannot_act_as_a_customer(
    client: TestClient, device: tuple[Customer, dict[str, Any], str]
) -> None:
    _, sub, token = device
    response = client.get(
        f"/api/v1/subscriptions/{sub['id']}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401


def test_check_ins_are_rate_limited_per_device_with_retry_after(
    runtime: Runtime, database: Database, catalog: None
) -> None:
    from subdesk.app import create_app

    settings = runtime.settings.model_copy(update={"device_requests_per_minute": 3})
    app = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as limited:
        headers = {"Authorization": "Bearer sdd_some-device"}
        answers = [limited.post("/api/v1/licenses/check-in", headers=headers) for _ in range(4)]
        other = limited.post(
            "/api/v1/licenses/check-in", headers={"Authorization": "Bearer sdd_other"}
        )
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert 1 <= int(answers[-1].headers["Retry-After"]) <= 60
    assert answers[-1].json()["error"]["code"] == "rate_limited"
    assert other.status_code == 200


def test_a_device_silent_for_90_days_is_culled_and_frees_its_seat(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    from subdesk.notifications.smtp import SmtpSender
    from subdesk.worker.loop import one_pass

    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    silent = activate(client, anna, sub["id"], "fp-silent").json()["device_token"]
    clock.advance(timedelta(days=89))
    one_pass(database, runtime, SmtpSender(runtime.settings))
    assert len(client.get("/api/v1/devices", headers=anna.headers).json()) == 1
    clock.advance(timedelta(days=2))
    outcomes = one_pass(database, runtime, SmtpSender(runtime.settings))
    assert outcomes["devices_culled"] == 1
    assert client.get("/api/v1/devices", headers=anna.headers).json() == []
    assert check_in(client, silent)["code"] == "DEVICE_REMOVED"
    assert activate(client, anna, sub["id"], "fp-new-one").status_code == 201


def test_checking_in_keeps_a_device_from_being_culled(
    client: TestClient, clock: TestClock, database: Database, runtime: Runtime
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    token = activate(client, anna, sub["id"], "fp-regular").json()["device_token"]
    for _ in range(4):
        clock.advance(timedelta(days=30))
        assert check_in(client, token)["code"] == "ACTIVE"
    run_days(clock, database, runtime, 1)
    (seen,) = client.get("/api/v1/devices", headers=anna.headers).json()
    assert seen["last_seen_at"].startswith("2026-05-15")
