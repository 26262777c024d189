"""The agent API on customers: search, the view, the timeline, and every action with its
reason in the audit log; refunds once per Idempotency-Key; exceptions need a second person."""

from __future__ import annotations

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.db import Database
from subdesk.models import Refund, Subscription
from tests.agent.agent_api import API, error_of, staff_headers
from tests.agent.console import Found, Member, events, known_customer
from tests.api.helpers import count

UNKNOWN = "00000000-0000-4000-8000-000000000000"


def _customer(found: Found) -> str:
    return f"{API}/customers/{found.account_id}"


def _subscription(found: Found) -> str:
    return f"{_customer(found)}/subscriptions/{found.subscription_id}"


def test_search_finds_the_customer_and_the_view_shows_their_records(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    hits = client.get(f"{API}/customers", params={"q": found.who.email}, headers=headers)
    assert hits.status_code == 200
    assert [(h["id"], h["matched_by"]) for h in hits.json()] == [(found.account_id, "email")]
    assert client.get(f"{API}/customers", params={"q": " "}, headers=headers).json() == []

    view = client.get(_customer(found), headers=headers)
    assert view.status_code == 200, view.text
    body = view.json()
    assert body["account"]["email"] == found.who.email
    kept = next(s for s in body["subscriptions"] if s["id"] == found.subscription_id)
    assert kept["refund_within_policy"]["currency"] == "USD"
    assert [d["id"] for d in body["devices"]] == [found.device_id]
    (card,) = body["payment_methods"]
    assert (card["last4"], card["exp_month"], card["exp_year"]) == ("4242", 12, 2030)
    assert "gateway_token" not in view.text
    assert found.invoice in [i["number"] for i in body["invoices"]]
    assert body["emails"]
    assert "context" not in body["emails"][0]


def test_an_unknown_customer_is_a_404(client: TestClient, clock: TestClock, agent: Member) -> None:
    headers = staff_headers(client, clock, agent)
    missing = client.get(f"{API}/customers/{UNKNOWN}", headers=headers)
    assert missing.status_code == 404
    assert error_of(missing)["code"] == "customer_not_found"
    assert client.get(f"{API}/customers/not-an-id", headers=headers).status_code == 404
    action = f"{API}/customers/{UNKNOWN}/subscriptions/{UNKNOWN}/auto-renew-off"
    acting = client.post(action, json={"reason": "Asked by phone"}, headers=headers)
    assert acting.status_code == 404


def test_each_action_leaves_an_audit_event_by_the_staff_member_with_the_reason(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    renew = client.post(
        f"{_subscription(found)}/auto-renew-off", json={"reason": "No renewal"}, headers=headers
    )
    assert renew.status_code == 200, renew.text
    assert renew.json()["auto_renew"] is False
    removed = client.request(
        "DELETE",
        f"{_customer(found)}/devices/{found.device_id}",
        json={"reason": "Sold the laptop"},
        headers=headers,
    )
    assert removed.status_code == 204, removed.text
    emails = client.get(_customer(found), headers=headers).json()["emails"]
    receipt = next(e for e in emails if e["template"] == "purchase_ack")
    resent = client.post(
        f"{_customer(found)}/emails/{receipt['id']}/resend",
        json={"reason": "Lost the receipt"},
        headers=headers,
    )
    assert resent.status_code == 201, resent.text
    canceled = client.post(
        f"{_subscription(found)}/cancel",
        json={"when": "now", "reason": "Asked by email"},
        headers=headers,
    )
    assert canceled.status_code == 200, canceled.text
    assert canceled.json()["refund"]["currency"] == "USD"
    for action, reason in [
        ("support.auto_renew_disabled", "No renewal"),
        ("support.device_removed", "Sold the laptop"),
        ("support.email_resent", "Lost the receipt"),
        ("support.canceled_now", "Asked by email"),
    ]:
        (event,) = events(database, action)
        assert (event.actor_type, event.actor_id, event.reason) == ("staff", str(agent.id), reason)


def test_the_timeline_is_newest_first_and_filters_by_kind(
    client: TestClient, clock: TestClock, agent: Member
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    client.post(
        f"{_subscription(found)}/auto-renew-off", json={"reason": "No renewal"}, headers=headers
    )
    timeline = client.get(f"{_customer(found)}/timeline", headers=headers).json()
    assert [e["id"] for e in timeline] == sorted((e["id"] for e in timeline), reverse=True)
    assert timeline[0]["action"] == "support.auto_renew_disabled"
    assert timeline[0]["actor_name"] is not None
    assert timeline[0]["reason"] == "No renewal"
    support = client.get(
        f"{_customer(found)}/timeline", params={"kind": "support"}, headers=headers
    ).json()
    assert [e["action"] for e in support] == ["support.auto_renew_disabled"]
    wrong = client.get(f"{_customer(found)}/timeline", params={"kind": "x"}, headers=headers)
    assert wrong.status_code == 400
    assert error_of(wrong)["field"] == "kind"


def test_a_repeated_refund_with_the_same_idempotency_key_refunds_once(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = {**staff_headers(client, clock, agent), "Idempotency-Key": "refund-1"}
    body = {"amount": {"amount": 1000, "currency": "USD"}, "reason": "Goodwill in guarantee"}
    first = client.post(f"{_subscription(found)}/refunds", json=body, headers=headers)
    assert first.status_code == 201, first.text
    again = client.post(f"{_subscription(found)}/refunds", json=body, headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert [r["amount"] for r in first.json()] == [{"amount": 1000, "currency": "USD"}]
    assert count(database, Refund) == 1
    assert len(events(database, "support.refund_within_policy")) == 1
    other = {**body, "reason": "Another reason"}
    reused = client.post(f"{_subscription(found)}/refunds", json=other, headers=headers)
    assert reused.status_code == 409
    assert error_of(reused)["code"] == "idempotency_key_reused"


def test_a_refund_without_an_amount_refunds_what_the_policy_allows_and_no_more(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    view = client.get(_customer(found), headers=headers).json()
    room = next(s for s in view["subscriptions"] if s["id"] == found.subscription_id)
    done = client.post(
        f"{_subscription(found)}/refunds", json={"reason": "All of it back"}, headers=headers
    )
    assert done.status_code == 201, done.text
    assert sum(r["amount"]["amount"] for r in done.json()) == room["refund_within_policy"]["amount"]
    more = client.post(
        f"{_subscription(found)}/refunds",
        json={"amount": {"amount": 100, "currency": "USD"}, "reason": "A little more"},
        headers=headers,
    )
    assert more.status_code == 409
    assert error_of(more)["code"] == "beyond_policy"
    assert count(database, Refund) == len(done.json())


def test_malformed_or_unreasoned_requests_are_refused_and_change_nothing(
    client: TestClient, clock: TestClock, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, agent)
    cancel = f"{_subscription(found)}/cancel"
    missing = client.post(cancel, json={"when": "now"}, headers=headers)
    assert missing.status_code == 422
    assert error_of(missing)["field"] == "reason"
    when = client.post(cancel, json={"when": "soon", "reason": "Asked"}, headers=headers)
    assert when.status_code == 422
    short = client.post(cancel, json={"when": "now", "reason": " ok "}, headers=headers)
    assert short.status_code == 400
    assert error_of(short)["code"] == "reason_required"
    refunds = f"{_subscription(found)}/refunds"
    negative = {"amount": {"amount": -5, "currency": "USD"}, "reason": "Goodwill"}
    assert client.post(refunds, json=negative, headers=headers).status_code == 422
    euros = {"amount": {"amount": 500, "currency": "EUR"}, "reason": "Goodwill"}
    mismatch = client.post(refunds, json=euros, headers=headers)
    assert mismatch.status_code == 400
    assert error_of(mismatch)["code"] == "currency_mismatch"
    assert count(database, Subscription, status="canceled") == 0
    assert count(database, Refund) == 0
    assert events(database, "support.canceled_now") == []


def test_an_exception_waits_for_a_supervisor_who_did_not_ask_for_it(
    client: TestClient,
    clock: TestClock,
    agent: Member,
    supervisor: Member,
    database: Database,
) -> None:
    found = known_customer(client)
    as_agent = staff_headers(client, clock, agent)
    as_supervisor = staff_headers(client, clock, supervisor)
    body = {"amount": {"amount": 2500, "currency": "USD"}, "reason": "Charged twice by the bank"}
    asked = client.post(f"{_subscription(found)}/refund-exceptions", json=body, headers=as_agent)
    assert asked.status_code == 201, asked.text
    held = asked.json()
    assert held["status"] == "pending"
    assert count(database, Refund) == 0
    assert [x["id"] for x in client.get(f"{API}/refund-exceptions", headers=as_agent).json()] == [
        held["id"]
    ]
    approve = f"{API}/refund-exceptions/{held['id']}/approve"
    refused = client.post(approve, json={"reason": "I approve"}, headers=as_agent)
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "not_allowed"
    approved = client.post(approve, json={"reason": "Statement checked"}, headers=as_supervisor)
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    assert approved.json()["decided_by"] == str(supervisor.id)
    with database.reading() as session:
        assert [r.amount_minor for r in session.query(Refund).all()] == [2500]
    (request,) = events(database, "support.exception_requested")
    (decision,) = events(database, "support.exception_approved")
    assert (request.actor_id, request.reason) == (str(agent.id), "Charged twice by the bank")
    assert (decision.actor_id, decision.reason) == (str(supervisor.id), "Statement checked")


def test_a_supervisor_cannot_approve_their_own_exception(
    client: TestClient, clock: TestClock, supervisor: Member, database: Database
) -> None:
    found = known_customer(client)
    headers = staff_headers(client, clock, supervisor)
    body = {"amount": {"amount": 500, "currency": "USD"}, "reason": "Loyal customer"}
    held = client.post(f"{_subscription(found)}/refund-exceptions", json=body, headers=headers)
    assert held.status_code == 201
    refused = client.post(
        f"{API}/refund-exceptions/{held.json()['id']}/approve",
        json={"reason": "Approving myself"},
        headers=headers,
    )
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "own_exception"
    assert count(database, Refund) == 0
    rejected = client.post(
        f"{API}/refund-exceptions/{held.json()['id']}/reject",
        json={"reason": "Rejecting myself"},
        headers=headers,
    )
    assert rejected.status_code == 403
