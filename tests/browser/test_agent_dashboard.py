"""The staff dashboards in Chromium: charts with their names, data tables that open without
script, no serious axe violation; a screenshot in docs/screenshots/agent-dashboard.png."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from axe_playwright_python.sync_playwright import Axe
from fastapi import FastAPI
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect

from subdesk.audit.log import Actor
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.support import staff, totp
from tests.agent.dashboard_data import seed_two_weeks
from tests.browser.conftest import DESKTOP, SCREENSHOTS

PASSWORD = "staff password 1"  # noqa: S105 - a test password
SERIOUS = {"serious", "critical"}


def _enrol(database: Database, runtime: Runtime) -> str:
    with database.transaction() as session:
        work = Work(session, runtime, Actor("operator", "test"))
        return staff.add_staff(
            work, "sam@staff.example", "Sam Support", "supervisor", PASSWORD
        ).staff.totp_secret


def _sign_in(page: Page, secret: str, clock: TestClock) -> None:
    clock.advance(timedelta(seconds=30))  # a TOTP code signs in once
    page.goto("/agent/dashboard?days=14")
    page.wait_for_url("**/agent/sign-in**")
    page.get_by_label("Email").fill("sam@staff.example")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(totp.code_at(secret, clock.now()))
    page.get_by_role("button", name="Sign in").click()


def test_the_dashboard_draws_its_charts_and_opens_its_tables_without_script(
    app: FastAPI,
    new_page: Callable[..., Page],
    database: Database,
    runtime: Runtime,
    clock: TestClock,
) -> None:
    with TestClient(app) as client:
        seed_two_weeks(client, clock, database)
    secret = _enrol(database, runtime)
    page = new_page(DESKTOP, javascript=False)
    _sign_in(page, secret, clock)
    expect(page.get_by_role("heading", name="Dashboards", exact=True)).to_be_visible()
    expect(page.get_by_text("The last 14 days")).to_be_visible()  # the range asked for
    charts = ("Open cases by age and priority", "Refunds per day", "MRR in USD", "Churn per period")
    for name in charts:
        expect(page.get_by_role("img", name=name)).to_be_visible()
    cancellations = page.locator("#table-cancellations")
    expect(cancellations).to_be_hidden()
    page.locator("section[aria-labelledby=cancellations] summary").click()
    expect(cancellations.locator("tr[data-day='2026-01-24'] td").first).to_have_text("1")

    scripted = new_page(DESKTOP)
    _sign_in(scripted, secret, clock)
    found = Axe().run(scripted).response["violations"]
    assert [v["id"] for v in found if v["impact"] in SERIOUS] == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "agent-dashboard.png"
    scripted.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 0
