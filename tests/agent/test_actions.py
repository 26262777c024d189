"""Acceptance 2: actions on the customer's behalf, each with a reason and an audit event by
the staff member; refunds within policy, and an exception only with a second person."""

from __future__ import annotations

import re
import uuid

from fastapi.testclient import TestClient

from subdesk.db import Database
from subdesk.licensing.transfers import RELEASED
from subdesk.models import Refund, Subscription
from tests.agent.console import Console, Member, events, form_key, known_customer
from tests.api.helpers import count


def _customer_page(found_id: str) -> str:
    return f"/agent/customers/{found_id}"


def _subscription_action(found_id: str, sid: str, action: str) -> str:
    return f"/agent/customers/{found_id}/subscriptions/{sid}/{action}"


def test_cancel_now_for_the_customer_refunds_per_policy_and_is_audited_with_the_reason(
    client: TestClient, as_agent: Console, agent: Member, database: Database
) -> None:
    found = known_customer(client)
    page, action = (
        _customer_page(found.account_id),
        _subscription_action(found.account_id, found.subscription_id, "cancel"),
    )
    response = as_agent.post_form(page, action, when="now", reason="Customer asked by email")
    assert response.status_code == 303
    (event,) = events(database, "support.canceled_now")
    assert (event.actor_type, event.actor_id) == ("staff", str(agent.id))
    assert event.reason == "Customer asked by email"
    (domain,) = events(database, "subscription.canceled_now")
    assert domain.actor_type == "staff"
    assert count(database, Refund) == 1
    timeline = as_agent.client.get(page).text
    assert "support.canceled_now" in timeline
    assert "Customer asked by email" in timeline


def test_an_action_without_a_reason_is_refused_and_changes_nothing(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "cancel")
    response = as_agent.post_form(page, action, when="now", reason=" ")
    assert response.status_code == 400
    assert "Give a reason" in response.text
    assert count(database, Subscription, status="canceled") == 0
    assert events(database, "support.canceled_now") == []


def test_refund_within_policy_refunds_once_however_often_the_form_is_sent(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "refund")
    key = form_key(as_agent.client.get(page))
    fields = {"amount": "10.00", "reason": "Goodwill inside the guarantee", "form_key": key}
    assert as_agent.post_form(page, action, **fields).status_code == 303
    assert as_agent.post_form(page, action, **fields).status_code == 303
    with database.transaction() as session:
        refunds = session.query(Refund).all()
        assert [r.amount_minor for r in refunds] == [1000]
        assert refunds[0].reason == "money_back_guarantee"
    (event,) = events(database, "support.refund_within_policy")
    assert event.reason == "Goodwill inside the guarantee"


def test_a_refund_beyond_policy_is_refused_with_the_way_to_an_exception(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "refund")
    response = as_agent.post_form(
        page,
        action,
        amount="30.00",
        reason="More than it cost",
        form_key=form_key(as_agent.client.get(page)),
    )
    assert response.status_code == 409
    assert "request an exception" in response.text
    assert count(database, Refund) == 0


def test_auto_renew_off_device_removal_and_resend_each_leave_an_event_with_the_reason(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    renew = _subscription_action(found.account_id, found.subscription_id, "auto-renew-off")
    assert as_agent.post_form(page, renew, reason="Does not want to renew").status_code == 303
    remove = f"/agent/customers/{found.account_id}/devices/{found.device_id}/remove"
    assert as_agent.post_form(page, remove, reason="Sold the laptop").status_code == 303
    email_id = re.findall(r'data-email-id="([^"]+)"', as_agent.client.get(page).text)
    receipt = next(e for e in email_id if f"/emails/{e}/resend" in as_agent.client.get(page).text)
    resend = f"/agent/customers/{found.account_id}/emails/{receipt}/resend"
    assert as_agent.post_form(page, resend, reason="Lost the receipt").status_code == 303
    for action, reason in [
        ("support.auto_renew_disabled", "Does not want to renew"),
        ("support.device_removed", "Sold the laptop"),
        ("support.email_resent", "Lost the receipt"),
    ]:
        (event,) = events(database, action)
        assert event.reason == reason
    (removed,) = events(database, RELEASED)
    assert removed.reason == "Sold the laptop"
    with database.transaction() as session:
        sub = session.get(Subscription, uuid.UUID(found.subscription_id))
        assert sub is not None
        assert sub.auto_renew is False


def test_an_exception_waits_for_a_supervisor_who_is_not_the_requester(
    client: TestClient,
    as_agent: Console,
    as_supervisor: Console,
    agent: Member,
    supervisor: Member,
    database: Database,
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "exception")
    asked = as_agent.post_form(page, action, amount="25.00", reason="Charged twice by the bank")
    assert asked.status_code == 303
    assert count(database, Refund) == 0
    queue = as_agent.client.get("/agent/exceptions").text
    held = re.search(r'data-exception-id="([^"]+)"', queue)
    assert held
    approve = f"/agent/exceptions/{held.group(1)}/approve"
    assert approve not in queue  # an agent gets no approve button ...
    token = re.search(r'name="csrftoken" value="([^"]+)"', queue)
    assert token
    refused = as_agent.client.post(
        approve, data={"csrftoken": token.group(1), "reason": "I approve"}
    )
    assert refused.status_code == 403  # ... and cannot post one
    assert count(database, Refund) == 0

    approved = as_supervisor.post_form(
        "/agent/exceptions", approve, reason="Bank statement checked"
    )
    assert approved.status_code == 303
    with database.transaction() as session:
        assert [r.amount_minor for r in session.query(Refund).all()] == [2500]
    (request,) = events(database, "support.exception_requested")
    (decision,) = events(database, "support.exception_approved")
    assert (request.actor_id, request.reason) == (str(agent.id), "Charged twice by the bank")
    assert (decision.actor_id, decision.reason) == (str(supervisor.id), "Bank statement checked")


def test_a_supervisor_cannot_approve_their_own_exception(
    client: TestClient, as_supervisor: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "exception")
    assert (
        as_supervisor.post_form(page, action, amount="5", reason="Loyal customer").status_code
        == 303
    )
    queue = as_supervisor.client.get("/agent/exceptions").text
    held = re.search(r'data-exception-id="([^"]+)"', queue)
    token = re.search(r'name="csrftoken" value="([^"]+)"', queue)
    assert held
    assert token
    refused = as_supervisor.client.post(
        f"/agent/exceptions/{held.group(1)}/approve",
        data={"csrftoken": token.group(1), "reason": "Approving myself"},
    )
    assert refused.status_code == 403
    assert "Someone else must approve" in refused.text
    assert count(database, Refund) == 0


def test_an_exception_never_asks_for_more_than_was_captured(
    client: TestClient, as_agent: Console, database: Database
) -> None:
    found = known_customer(client)
    page = _customer_page(found.account_id)
    action = _subscription_action(found.account_id, found.subscription_id, "exception")
    response = as_agent.post_form(page, action, amount="1000", reason="Way too much")
    assert response.status_code == 409
    assert events(database, "support.exception_requested") == []
