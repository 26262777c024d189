"""Acceptance 3: a customer opens a case in the portal, an agent replies, the customer gets an
email and sees the reply; internal notes stay internal; escalation and the response clock."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.agent.console import Console, Member, events
from tests.portal.pages import Visitor
from tests.smtp import SmtpServer


def _open_case(client: TestClient, subject: str = "Charged after I cancelled?") -> str:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.submit(
        "/account/cases/new",
        "/account/cases/new",
        subject=subject,
        category="billing",
        body="I see a charge from you on my statement.",
    )
    assert response.status_code == 303, response.text
    return str(response.headers["location"].rsplit("/", 1)[1])


def test_the_customer_gets_the_reply_by_email_and_in_the_portal(
    client: TestClient,
    as_agent: Console,
    agent: Member,
    database: Database,
    runtime: Runtime,
    clock: TestClock,
    smtp: SmtpServer,
) -> None:
    number = _open_case(client)
    assert number.startswith("CASE-")
    assert number in client.get("/account/cases").text
    case_page = f"/agent/cases/{number}"
    assert "I see a charge" in as_agent.client.get(case_page).text

    reply = as_agent.post_form(
        case_page, f"{case_page}/reply", body="That was the refund arriving, not a charge."
    )
    assert reply.status_code == 303
    note = as_agent.post_form(case_page, f"{case_page}/note", body="Checked the ledger: refund.")
    assert note.status_code == 303

    deliver_pending(database, SmtpSender(runtime.settings), clock.now())
    (message,) = [m for m in smtp.mailbox.messages if number in str(m["Subject"])]
    text = smtp.mailbox.text_of(message)
    assert "That was the refund arriving" in text
    assert f"/account/cases/{number}" in text
    assert "Checked the ledger" not in text

    thread = client.get(f"/account/cases/{number}").text
    assert "That was the refund arriving" in thread
    assert "Checked the ledger" not in thread
    assert "waiting for your answer" in thread
    (replied,) = events(database, "case.replied")
    assert replied.actor_id == str(agent.id)


def test_the_customer_answers_and_the_case_reopens(client: TestClient, as_agent: Console) -> None:
    number = _open_case(client)
    case_page = f"/agent/cases/{number}"
    as_agent.post_form(case_page, f"{case_page}/reply", body="Which card was it?")
    answer = Visitor(client).submit(
        f"/account/cases/{number}", f"/account/cases/{number}/reply", body="The Visa one."
    )
    assert answer.status_code == 303
    page = as_agent.client.get(case_page).text
    assert "The Visa one." in page
    assert "data-case-status>open" in page


def test_another_customer_cannot_see_the_case(client: TestClient, app: object) -> None:
    number = _open_case(client)
    other = TestClient(app)  # type: ignore[arg-type]
    Visitor(other).sign_up()
    assert other.get(f"/account/cases/{number}").status_code == 404


def test_the_first_response_clock_runs_breaches_and_stops_at_the_reply(
    client: TestClient, as_agent: Console, agent: Member, clock: TestClock
) -> None:
    number = _open_case(client)
    case_page = f"/agent/cases/{number}"
    assert 'data-clock="running"' in as_agent.client.get(case_page).text
    clock.advance(timedelta(hours=25))  # a billing case is normal priority: 24 hours
    as_agent.sign_in(agent)  # a console session lasts 12 hours
    assert 'data-clock="breached"' in as_agent.client.get(case_page).text
    assert "breached" in as_agent.client.get("/agent/cases").text
    as_agent.post_form(case_page, f"{case_page}/reply", body="Sorry for the wait.")
    assert 'data-clock="missed"' in as_agent.client.get(case_page).text


def test_a_scam_report_is_high_priority_and_an_escalation_reaches_the_supervisors(
    client: TestClient, as_agent: Console, as_supervisor: Console, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    opened = visitor.submit(
        "/account/cases/new",
        "/account/cases/new",
        subject="Someone called claiming to be you",
        category="scam_report",
        body="They asked for remote access.",
    )
    number = opened.headers["location"].rsplit("/", 1)[1]
    case_page = f"/agent/cases/{number}"
    assert "<dd>high</dd>" in as_agent.client.get(case_page).text
    assert number not in as_supervisor.client.get("/agent/cases?escalated=true").text
    escalated = as_agent.post_form(
        case_page, f"{case_page}/escalate", reason="Remote-access scam, needs a supervisor"
    )
    assert escalated.status_code == 303
    assert number in as_supervisor.client.get("/agent/cases?escalated=true").text
    (event,) = events(database, "case.escalated")
    assert event.reason == "Remote-access scam, needs a supervisor"


def test_an_agent_triages_and_opens_a_case_for_a_customer(
    client: TestClient, as_agent: Console, supervisor: Member, database: Database
) -> None:
    number = _open_case(client)
    case_page = f"/agent/cases/{number}"
    triaged = as_agent.post_form(
        case_page,
        f"{case_page}/triage",
        status="open",
        priority="urgent",
        assignee=str(supervisor.id),
        reason="Needs a quick answer",
    )
    assert triaged.status_code == 303
    (event,) = events(database, "case.updated")
    assert event.after == {"status": "open", "priority": "urgent", "assignee": str(supervisor.id)}
    assert event.reason == "Needs a quick answer"


def test_an_empty_case_form_is_answered_next_to_its_fields(client: TestClient) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.submit(
        "/account/cases/new", "/account/cases/new", subject="", category="billing", body="x"
    )
    assert response.status_code == 400
    assert 'id="subject-error"' in response.text
