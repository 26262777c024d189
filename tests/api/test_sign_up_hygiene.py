"""Sign-up as an oracle and a memory bomb: the same answer for a taken address, no hash for
it, limits per email and per address, and a bound on Argon2 computations at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.accounts import passwords
from subdesk.app import create_app
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Account, OutboxEmail
from tests.portal.pages import PASSWORD, Visitor, csrf_of


class CountingHasher:
    """Argon2 as it is, counting the computations and the most ever running at once."""

    def __init__(self, real: Any) -> None:
        self._real = real
        self._lock = threading.Lock()
        self.running = self.most_at_once = self.hashes = 0

    def _enter(self) -> None:
        with self._lock:
            self.running += 1
            self.hashes += 1
            self.most_at_once = max(self.most_at_once, self.running)

    def _leave(self) -> None:
        with self._lock:
            self.running -= 1

    def hash(self, password: str) -> str:
        self._enter()
        try:
            time.sleep(0.02)  # hold the slot, so that overlapping callers would show
            result: str = self._real.hash(password)
            return result
        finally:
            self._leave()

    def verify(self, password_hash: str, password: str) -> bool:
        self._enter()
        try:
            result: bool = self._real.verify(password_hash, password)
            return result
        finally:
            self._leave()

    def check_needs_rehash(self, password_hash: str) -> bool:
        result: bool = self._real.check_needs_rehash(password_hash)
        return result


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher(passwords._hasher)
    monkeypatch.setattr(passwords, "_hasher", counting)
    return counting


def client_with(runtime: Runtime, database: Database, **settings: Any) -> TestClient:
    changed = runtime.settings.model_copy(update=settings)
    app = create_app(
        runtime=Runtime(changed, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    return TestClient(app)


@pytest.fixture
def limited(runtime: Runtime, database: Database, catalog: None) -> Iterator[TestClient]:
    with client_with(runtime, database, sign_ups_per_minute=3, password_resets_per_minute=2) as c:
        yield c


def body(email: str, password: str = PASSWORD) -> dict[str, str]:
    return {"email": email, "password": password, "country": "US", "region": "CA"}


def test_a_taken_address_gets_the_same_answer_and_its_owner_an_email(
    client: TestClient, database: Database
) -> None:
    new = client.post("/api/v1/accounts", json=body("owner@example.com"))
    taken = client.post("/api/v1/accounts", json=body(" Owner@Example.com ", "a different pw"))
    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json()
    assert "inbox" in new.json()["message"]
    with database.reading() as session:
        sent = session.scalars(select(OutboxEmail.template).order_by(OutboxEmail.created_at))
        assert sorted(sent) == ["sign_up_attempt", "welcome"]
        assert len(session.scalars(select(Account)).all()) == 1
    signed_in = client.post(
        "/api/v1/auth/token", json={"email": "owner@example.com", "password": PASSWORD}
    )
    assert signed_in.status_code == 200


def test_a_taken_address_is_never_hashed(client: TestClient, hasher: CountingHasher) -> None:
    client.post("/api/v1/accounts", json=body("once@example.com"))
    before = hasher.hashes
    assert client.post("/api/v1/accounts", json=body("once@example.com")).status_code == 202
    assert hasher.hashes == before


def test_the_owner_hears_of_repeated_attempts_once_an_hour(
    client: TestClient, database: Database
) -> None:
    for _ in range(3):
        client.post("/api/v1/accounts", json=body("quiet@example.com"))
    with database.reading() as session:
        attempts = session.scalars(
            select(OutboxEmail).where(OutboxEmail.template == "sign_up_attempt")
        ).all()
    assert len(attempts) == 1


def test_sign_up_is_limited_per_email_address(limited: TestClient) -> None:
    statuses = [
        limited.post("/api/v1/accounts", json=body(email)).status_code
        for email in (
            "same@example.com",
            "SAME@example.com ",
            "same@example.com",
            "same@example.com",
        )
    ]
    assert statuses == [202, 202, 202, 429]


def test_sign_up_is_limited_per_client_address(limited: TestClient) -> None:
    statuses = [
        limited.post("/api/v1/accounts", json=body(f"many{n}@example.com")).status_code
        for n in range(4)
    ]
    assert statuses == [202, 202, 202, 429]
    refused = limited.post("/api/v1/accounts", json=body("more@example.com"))
    assert refused.json()["error"]["code"] == "rate_limited"
    assert int(refused.headers["retry-after"]) >= 1


def test_the_portal_sign_up_is_limited_and_answers_429_with_the_form(
    limited: TestClient,
) -> None:
    visitor = Visitor(limited)
    statuses = [
        visitor.submit("/sign-up", "/sign-up", **body(f"form{n}@example.com")).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_reset_links_are_limited_per_email_address(limited: TestClient) -> None:
    visitor = Visitor(limited)
    statuses = [
        visitor.submit("/forgot-password", "/forgot-password", email="who@example.com").status_code
        for _ in range(3)
    ]
    assert statuses == [200, 200, 429]


def test_the_portal_says_check_your_inbox_for_a_new_and_a_taken_address(
    client: TestClient,
) -> None:
    first = Visitor(client).submit("/sign-up", "/sign-up", **body("portal@example.com"))
    with TestClient(client.app) as stranger:
        again = Visitor(stranger).submit("/sign-up", "/sign-up", **body("portal@example.com"))
        assert stranger.get("/account", follow_redirects=False).status_code == 303
    assert first.status_code == again.status_code == 200
    assert "Check your inbox" in first.text
    assert first.text.replace(csrf_of_or_empty(first), "") == again.text.replace(
        csrf_of_or_empty(again), ""
    )


def csrf_of_or_empty(page: Any) -> str:
    try:
        return csrf_of(page)
    except AssertionError:
        return "\0"


def test_concurrent_sign_ups_never_run_more_argon2_than_the_bound(
    runtime: Runtime, database: Database, catalog: None, hasher: CountingHasher
) -> None:
    with (
        client_with(runtime, database, password_hashes_at_once=2) as bounded,
        ThreadPoolExecutor(max_workers=8) as pool,
    ):
        answers = list(
            pool.map(
                lambda n: bounded.post("/api/v1/accounts", json=body(f"rush{n}@example.com")),
                range(8),
            )
        )
    assert [a.status_code for a in answers] == [202] * 8
    assert hasher.hashes == 8
    assert hasher.most_at_once <= 2
