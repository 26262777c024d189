"""The console's own error pages, and its sign-in's rate limit."""

from __future__ import annotations

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.support import totp
from tests.agent.console import Console, Member

CONSOLE_MARK = "Shield support console"


def test_a_missing_console_page_is_a_console_404(as_agent: Console) -> None:
    page = as_agent.client.get("/agent/customers/00000000-0000-4000-8000-000000000000")
    assert page.status_code == 404
    assert CONSOLE_MARK in page.text
    assert "Back to the console" in page.text
    unknown = as_agent.client.get("/agent/no-such-page")
    assert unknown.status_code == 404
    assert CONSOLE_MARK in unknown.text


def test_a_refused_console_page_is_a_console_403(as_agent: Console) -> None:
    page = as_agent.client.get("/agent/staff")
    assert page.status_code == 403
    assert CONSOLE_MARK in page.text
    assert "does not allow" in page.text


def test_portal_errors_keep_the_portals_page(client: TestClient) -> None:
    page = client.get("/no-such-page")
    assert page.status_code == 404
    assert CONSOLE_MARK not in page.text


def test_staff_sign_in_is_rate_limited(
    strict_client: TestClient, clock: TestClock, agent: Member
) -> None:
    browser = Console(strict_client, clock)
    wrong = Member(agent.id, agent.email, agent.secret, "not the password")
    answers = [browser.sign_in(wrong).status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    right = browser.sign_in(agent)
    assert right.status_code == 429
    assert "Too many sign-in attempts" in right.text
    assert totp.code_at(agent.secret, clock.now())  # the code was right; the limit held
