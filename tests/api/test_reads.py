"""Reads never wait for a writer: a GET answers while another transaction holds the write lock."""

from __future__ import annotations

import threading
from typing import Any

from fastapi.testclient import TestClient

from subdesk.db import Database
from tests.factories import customer, subscribe


def test_a_get_answers_while_a_writer_holds_the_database(
    client: TestClient, database: Database
) -> None:
    alice = customer(client)
    sub = subscribe(client, alice, "av1-year-usd")
    holding, release = threading.Event(), threading.Event()

    def writer() -> None:
        with database.transaction() as session:
            session.connection()  # the write lock (BEGIN IMMEDIATE on SQLite) is taken here
            holding.set()
            release.wait(120)

    answers: list[Any] = []
    reader = threading.Thread(
        target=lambda: answers.append(
            client.get(f"/api/v1/subscriptions/{sub['id']}", headers=alice.headers)
        )
    )
    holder = threading.Thread(target=writer)
    holder.start()
    assert holding.wait(10)
    reader.start()
    reader.join(20)  # a reader that waited for the lock would still be waiting here
    answered_while_held = not reader.is_alive()
    release.set()
    holder.join(10)
    reader.join(60)
    assert answered_while_held
    assert answers[0].status_code == 200
