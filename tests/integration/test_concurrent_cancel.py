"""Acceptance 5: 50 parallel cancel requests against the running app give one cancellation."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx2
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from subdesk.db import Database
from subdesk.models import Cancellation, Refund
from tests.api.helpers import count
from tests.factories import customer, subscribe

PARALLEL = 50


@pytest.fixture
def server_url(app: FastAPI) -> Iterator[str]:
    """The app served by a real uvicorn on a free loopback port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", limit_concurrency=200))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


def _fire(url: str, headers: dict[str, str], body: dict[str, str]) -> list[httpx2.Response]:
    barrier = threading.Barrier(PARALLEL)

    def one(_: int) -> httpx2.Response:
        with httpx2.Client(timeout=60) as http:
            barrier.wait()
            return http.post(url, json=body, headers=headers)

    with ThreadPoolExecutor(PARALLEL) as pool:
        return list(pool.map(one, range(PARALLEL)))


@pytest.mark.parametrize("with_key", [False, True], ids=["repeat", "same-key"])
def test_fifty_parallel_cancels_make_one_cancellation_and_at_most_one_refund(
    client: TestClient, server_url: str, database: Database, with_key: bool
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    headers = {**alice.headers, **({"Idempotency-Key": "cancel-once"} if with_key else {})}
    responses = _fire(
        f"{server_url}/api/v1/subscriptions/{sub['id']}/cancel", headers, {"when": "now"}
    )
    assert [r.status_code for r in responses] == [200] * PARALLEL, {r.text for r in responses}
    assert len({r.json()["id"] for r in responses}) == 1
    assert {r.json()["refund"]["amount"] for r in responses} == {2999}
    assert count(database, Cancellation) == 1
    assert count(database, Refund) == 1
