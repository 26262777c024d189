"""Retail keys: redeemed once into a subscription without automatic renewal; typos refused."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.licensing.keys import generate
from subdesk.licensing.retail import generate_batch
from subdesk.models import RetailKey
from tests.factories import customer


def make_keys(database: Database, runtime: Runtime, count: int = 2) -> list[str]:
    with database.transaction() as session:
        return generate_batch(Work(session, runtime), "total5-year-usd", count, "shop-1")


def test_a_key_redeems_once_into_a_retail_subscription(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key, _ = make_keys(database, runtime)
    anna, ben = customer(client), customer(client)
    redeemed = client.post("/api/v1/redeem", json={"key": key}, headers=anna.headers)
    assert redeemed.status_code == 201, redeemed.text
    sub = redeemed.json()
    assert (sub["channel"], sub["status"], sub["auto_renew"]) == ("retail", "active", False)
    assert sub["plan"]["code"] == "total5-year-usd"
    assert sub["no_further_charges"] is True
    again = client.post("/api/v1/redeem", json={"key": key}, headers=ben.headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "key_already_redeemed"
    assert client.get("/api/v1/subscriptions", headers=ben.headers).json() == []


def test_a_mistyped_key_is_refused_before_any_lookup(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key, _ = make_keys(database, runtime)
    typo = key[:-3] + ("X" if key[-3] != "X" else "Y") + key[-2:]
    response = client.post("/api/v1/redeem", json={"key": typo}, headers=customer(client).headers)
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_key",
        "message": "This product key has a typing mistake; check each character.",
        "field": "key",
    }


def test_a_well_formed_but_unknown_key_is_not_found(client: TestClient) -> None:

    response = client.post(
        "/api/v1/redeem", json={"key": generate("TOTAL5")}, headers=customer(client).headers
    )
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "unknown_key"


def test_keys_are_kept_only_as_digests(database: Database, runtime: Runtime, catalog: None) -> None:
    keys = make_keys(database, runtime)
    with database.transaction() as session:
        stored = [row.key_digest for row in session.query(RetailKey)]
    assert len(stored) == 2
    assert not any(key in str(stored) for key in keys)


def test_cli_writes_a_batch_for_the_retailer(database_url: str, tmp_path: Path) -> None:
    subdesk = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")},
        "SUBDESK_DATABASE_URL": database_url,
    }
    demo = subprocess.run([subdesk, "demo"], env=env, cwd=tmp_path, capture_output=True, text=True)
    assert demo.returncode == 0, demo.stderr[-3000:]
    out = tmp_path / "keys.csv"
    command = [
        subdesk,
        "keys",
        "generate",
        "--plan",
        "av1-year-usd",
        "--count",
        "25",
        "--out",
        str(out),
    ]
    subprocess.run(command, env=env, cwd=tmp_path, check=True, capture_output=True)
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 25
    assert all(
        row["key"].startswith("ANTIVIRUS-") and row["plan"] == "av1-year-usd" for row in rows
    )
    again = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, check=False
    )
    assert again.returncode == 1  # never written over


def test_a_second_key_of_the_same_plan_extends_the_subscription_by_a_period(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    first, second = make_keys(database, runtime)
    anna = customer(client)
    sub = client.post("/api/v1/redeem", json={"key": first}, headers=anna.headers).json()
    extended = client.post("/api/v1/redeem", json={"key": second}, headers=anna.headers)
    assert extended.status_code == 201, extended.text
    assert extended.json()["id"] == sub["id"]
    assert extended.json()["current_period_end"].startswith("2028-01-15")
    assert sub["current_period_end"].startswith("2027-01-15")
    assert len(client.get("/api/v1/subscriptions", headers=anna.headers).json()) == 1


def test_a_retail_subscription_renews_only_once_the_customer_opts_in_with_a_card(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key, _ = make_keys(database, runtime)
    anna = customer(client)
    sub = client.post("/api/v1/redeem", json={"key": key}, headers=anna.headers).json()
    path = f"/api/v1/subscriptions/{sub['id']}"
    refused = client.put(f"{path}/auto-renew", json={"enabled": True}, headers=anna.headers)
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "payment_method_required"
    card = client.put(
        f"{path}/payment-method", json={"payment_method_id": anna.card_id}, headers=anna.headers
    )
    assert card.status_code == 200, card.text
    on = client.put(f"{path}/auto-renew", json={"enabled": True}, headers=anna.headers).json()
    assert (on["channel"], on["auto_renew"]) == ("retail", True)
    assert on["next_charge"]["amount"] == {"amount": 14999, "currency": "USD"}


def _activate_with_key(client: TestClient, key: str, fingerprint: str) -> Any:
    device = {"fingerprint": fingerprint, "name": "Boxed PC", "platform": "windows"}
    return client.post("/api/v1/licenses/activate", json={"license_key": key, "device": device})


def test_the_app_activates_with_a_redeemed_product_key_within_the_seats(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    key, unredeemed = make_keys(database, runtime)
    anna = customer(client)
    sub = client.post("/api/v1/redeem", json={"key": key}, headers=anna.headers).json()
    answer = _activate_with_key(client, key, "boxed-device-0001")
    assert answer.status_code == 201, answer.text
    assert answer.json()["check_in"]["code"] == "ACTIVE"
    assert answer.json()["device"]["subscription_id"] == sub["id"]
    devices = client.get("/api/v1/devices", headers=anna.headers).json()
    assert [d["name"] for d in devices] == ["Boxed PC"]
    for n in range(2, 6):
        _activate_with_key(client, key, f"boxed-device-000{n}")
    sixth = _activate_with_key(client, key, "boxed-device-0006")
    assert sixth.status_code == 409
    assert sixth.json()["error"]["code"] == "too_many_devices"
    waiting = _activate_with_key(client, unredeemed, "boxed-device-0007")
    assert waiting.status_code == 409
    assert waiting.json()["error"]["code"] == "key_not_redeemed"


def test_activation_takes_a_key_or_a_subscription_not_both(client: TestClient) -> None:
    device = {"fingerprint": "boxed-device-0001", "name": "PC", "platform": "windows"}
    neither = client.post("/api/v1/licenses/activate", json={"device": device})
    assert neither.status_code == 422
    both = client.post(
        "/api/v1/licenses/activate",
        json={
            "device": device,
            "license_key": generate("TOTAL5"),
            "subscription_id": "00000000-0000-4000-8000-000000000000",
        },
    )
    assert both.status_code == 422
    unknown = _activate_with_key(client, generate("TOTAL5"), "boxed-device-0001")
    assert unknown.status_code == 404
