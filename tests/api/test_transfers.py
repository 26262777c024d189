"""The transfer limit: seats released by the customer or the app and taken by other devices."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.app import create_app
from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent
from subdesk.notifications.smtp import SmtpSender
from subdesk.worker.loop import one_pass
from tests.api.test_licenses import activate, check_in
from tests.factories import customer, subscribe


def _first_device(client: TestClient, headers: dict[str, str]) -> str:
    return str(client.get("/api/v1/devices", headers=headers).json()[0]["id"])


@contextmanager
def _limited(runtime: Runtime, database: Database, limit: int) -> Iterator[TestClient]:
    settings = runtime.settings.model_copy(
        update={"transfers_per_period": limit, "transfer_window_days": 30}
    )
    limited = Runtime(settings, runtime.clock, runtime.gateway, runtime.signer)
    with TestClient(create_app(runtime=limited, database=database)) as client:
        yield client


def test_transfers_beyond_the_limit_are_refused_until_the_oldest_leaves_the_window(
    runtime: Runtime, database: Database, clock: TestClock, catalog: None
) -> None:
    with _limited(runtime, database, 2) as client:
        anna = customer(client)
        sub = subscribe(client, anna, "av1-year-usd")  # one seat
        activate(client, anna, sub["id"], "fp-first")
        client.delete(
            f"/api/v1/devices/{_first_device(client, anna.headers)}", headers=anna.headers
        )
        second = activate(client, anna, sub["id"], "fp-second")  # transfer 1, by the customer
        assert second.status_code == 201
        clock.advance(timedelta(days=10))
        token = second.json()["device_token"]
        client.post("/api/v1/licenses/deactivate", headers={"Authorization": f"Bearer {token}"})
        assert activate(client, anna, sub["id"], "fp-third").status_code == 201  # transfer 2
        client.delete(
            f"/api/v1/devices/{_first_device(client, anna.headers)}", headers=anna.headers
        )

        refused = activate(client, anna, sub["id"], "fp-fourth")
        assert refused.status_code == 409
        error = refused.json()["error"]
        assert error["code"] == "transfer_limit"
        assert "February 14, 2026, 10:00 UTC" in error["message"]  # 30 days after the first
        clock.advance(timedelta(days=20))
        assert activate(client, anna, sub["id"], "fp-fourth").status_code == 201


def test_a_removed_device_coming_back_takes_a_seat_like_any_other(
    runtime: Runtime, database: Database, catalog: None
) -> None:
    with _limited(runtime, database, 0) as client:
        anna = customer(client)
        sub = subscribe(client, anna, "av1-year-usd")
        activate(client, anna, sub["id"], "fp-laptop")
        client.delete(
            f"/api/v1/devices/{_first_device(client, anna.headers)}", headers=anna.headers
        )
        refused = activate(client, anna, sub["id"], "fp-laptop")
        assert refused.json()["error"]["code"] == "transfer_limit"


def test_reactivating_a_device_that_holds_its_seat_is_never_a_transfer(
    runtime: Runtime, database: Database, catalog: None
) -> None:
    with _limited(runtime, database, 0) as client:
        anna = customer(client)
        sub = subscribe(client, anna, "suite3-year-usd")
        for _ in range(3):
            assert activate(client, anna, sub["id"], "fp-laptop").status_code == 201
        assert activate(client, anna, sub["id"], "fp-phone").status_code == 201  # a free seat


def test_devices_culled_as_stale_are_no_transfers(
    runtime: Runtime, database: Database, clock: TestClock, catalog: None
) -> None:
    with _limited(runtime, database, 0) as client:
        anna = customer(client)
        sub = subscribe(client, anna, "av1-year-usd")
        silent = activate(client, anna, sub["id"], "fp-silent").json()["device_token"]
        clock.advance(timedelta(days=91))
        assert one_pass(database, runtime, SmtpSender(runtime.settings))["devices_culled"] == 1
        assert check_in(client, silent)["code"] == "DEVICE_REMOVED"
        assert activate(client, anna, sub["id"], "fp-new").status_code == 201


def test_an_app_deactivation_is_audited_as_done_by_the_device(
    client: TestClient, database: Database
) -> None:
    anna = customer(client)
    sub = subscribe(client, anna, "av1-year-usd")
    activated = activate(client, anna, sub["id"], "fp-old-pc").json()
    token = activated["device_token"]
    client.post("/api/v1/licenses/deactivate", headers={"Authorization": f"Bearer {token}"})
    with database.reading() as session:
        actor = session.execute(
            select(AuditEvent.actor_type, AuditEvent.actor_id).where(
                AuditEvent.action == "device.removed"
            )
        ).one()
    assert tuple(actor) == ("device", activated["device"]["id"])
