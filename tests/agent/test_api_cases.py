"""The agent API on cases and billing problems: the queue, a thread with its notes, triage,
escalation; a duplicate charge refunded once however often it is asked."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from tests.agent.agent_api import API, error_of, staff_headers
from tests.agent.console import Member, events
from tests.agent.test_billing_problems import refunds_of, seed_charge
from tests.agent.test_cases import _open_case
from tests.factories import customer, subscribe


def test_an_agent_works_a_case_through_the_api(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    number = _open_case(client)
    headers = staff_headers(client, clock, agent)
    assert number in [c["number"] for c in client.get(f"{API}/cases", headers=headers).json()]
    reply = client.post(
        f"{API}/cases/{number}/replies", json={"body": "We are looking."}, headers=headers
    )
    assert reply.status_code == 201, reply.text
    assert reply.json()["internal"] is False
    clock.advance(timedelta(minutes=1))
    note = client.post(
        f"{API}/cases/{number}/notes", json={"body": "Check the bank."}, headers=headers
    )
    assert note.status_code == 201
    assert note.json()["internal"] is True
    changed = client.patch(
        f"{API}/cases/{number}", json={"priority": "high", "reason": "Upset"}, headers=headers
    )
    assert changed.status_code == 200, changed.text
    assert (changed.json()["priority"], changed.json()["status"]) == ("high", "waiting_on_customer")
    assert changed.json()["assignee_id"] == str(agent.id)
    thread = client.get(f"{API}/cases/{number}", headers=headers).json()
    assert [m["internal"] for m in thread["messages"]] == [False, False, True]
    assert thread["case"]["priority"] == "high"


def test_an_escalated_case_reaches_the_supervisors_queue(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    number = _open_case(client)
    headers = staff_headers(client, clock, agent)
    assert client.get(f"{API}/cases", params={"escalated": True}, headers=headers).json() == []
    unreasoned = client.post(f"{API}/cases/{number}/escalate", json={"reason": ""}, headers=headers)
    assert unreasoned.status_code == 400
    why = {"reason": "Needs a refund decision"}
    escalated = client.post(f"{API}/cases/{number}/escalate", json=why, headers=headers)
    assert escalated.status_code == 200
    assert escalated.json()["escalated"] is True
    queue = client.get(f"{API}/cases", params={"escalated": True}, headers=headers).json()
    assert [c["number"] for c in queue] == [number]
    (event,) = events(database, "case.escalated")
    assert (event.actor_id, event.reason) == (str(agent.id), "Needs a refund decision")


def test_an_unknown_case_is_a_404_and_an_empty_reply_a_400(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    number = _open_case(client)
    headers = staff_headers(client, clock, agent)
    missing = client.get(f"{API}/cases/CASE-999999", headers=headers)
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "case_not_found"
    empty = client.post(f"{API}/cases/{number}/replies", json={"body": " "}, headers=headers)
    assert empty.status_code == 400
    assert error_of(empty)["field"] == "body"


def test_a_duplicate_charge_is_reported_and_refunded_once(
    client: TestClient, clock: TestClock, agent: Member, database: Database, runtime: Runtime
) -> None:
    who = customer(client)
    sub = subscribe(client, who, "av1-year-usd")
    duplicate = seed_charge(database, runtime, sub["id"], after=timedelta(minutes=2))
    headers = staff_headers(client, clock, agent)
    report = client.get(f"{API}/billing-problems", headers=headers)
    assert report.status_code == 200, report.text
    (found,) = report.json()["duplicates"]
    assert (found["kind"], found["payment"]["id"]) == ("same_period", duplicate)
    assert report.json()["charged_after_cancellation"] == []
    refund = f"{API}/billing-problems/{duplicate}/refund"
    first = client.post(refund, json={"reason": "Charged twice"}, headers=headers)
    assert first.status_code == 200, first.text
    again = client.post(refund, json={"reason": "Charged twice"}, headers=headers)
    assert again.json()["id"] == first.json()["id"]
    assert len(refunds_of(database, duplicate)) == 1
    (event,) = events(database, "support.duplicate_refunded")
    assert event.reason == "Charged twice"
