"""Acceptance 7: the staff console in Chromium — search, an action with its reason, and a case
conversation with the customer's portal; screenshots in docs/screenshots/agent-*.png."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from subdesk.audit.log import Actor
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.support import staff, totp
from tests.browser.conftest import DESKTOP, SCREENSHOTS
from tests.browser.flows import buy, sign_up

YEARLY = "Shield Antivirus, 1 device, yearly"
PASSWORD = "staff password 1"  # noqa: S105 - a test password


def _enrol(database: Database, runtime: Runtime, email: str, name: str) -> str:
    """A staff member with a known password; returns their TOTP secret."""
    with database.transaction() as session:
        work = Work(session, runtime, Actor("operator", "test"))
        return staff.add_staff(work, email, name, "agent", PASSWORD).staff.totp_secret


def _sign_in_to_console(page: Page, email: str, secret: str, clock: TestClock) -> None:
    page.goto("/agent")
    page.wait_for_url("**/agent/sign-in**")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_label("Code from your authenticator app").fill(totp.code_at(secret, clock.now()))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Find a customer")).to_be_visible()


def _shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.set_viewport_size(DESKTOP)
    path = SCREENSHOTS / f"agent-{name}.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 0


def _steady(page: Page) -> None:
    """Random numbers (invoices) shown as a sample, so committed pictures stay put."""
    page.locator("[data-invoice-number]").evaluate_all(
        "cells => cells.forEach(cell => cell.textContent = 'INV-20260115-7K3M9-Q2PXA')"
    )


def test_an_agent_finds_a_customer_and_cancels_for_them_with_a_reason(
    new_page: Callable[..., Page], database: Database, runtime: Runtime, clock: TestClock
) -> None:
    customer = new_page(DESKTOP)
    sign_up(customer, "pat@example.com", name="Pat Example")
    buy(customer, YEARLY)
    secret = _enrol(database, runtime, "sam@staff.example", "Sam Support")

    agent = new_page(DESKTOP)
    _sign_in_to_console(agent, "sam@staff.example", secret, clock)
    agent.get_by_label(re.compile("Email, name")).fill("pat ex")
    agent.get_by_role("button", name="Search").click()
    expect(agent.get_by_role("link", name="Pat Example")).to_be_visible()
    _shoot(agent, "search")

    agent.get_by_role("link", name="Pat Example").click()
    expect(agent.get_by_role("heading", name=re.compile("Pat Example"))).to_be_visible()
    agent.get_by_text("Cancel for the customer").click()
    agent.locator("input[name=when][value=now]").check()
    reason = "Customer wrote in: moving to another product"
    agent.locator("[id^=reason-cancel-]").fill(reason)
    agent.get_by_role("button", name="Cancel subscription").click()

    timeline = agent.locator("section[aria-labelledby=timeline]")
    expect(timeline).to_contain_text("support.canceled_now")
    expect(timeline).to_contain_text(reason)
    expect(agent.locator("section[aria-labelledby=subscriptions]")).to_contain_text("canceled")
    _steady(agent)
    _shoot(agent, "customer")


def test_a_case_conversation_between_the_portal_and_the_console(
    new_page: Callable[..., Page], database: Database, runtime: Runtime, clock: TestClock
) -> None:
    customer = new_page(DESKTOP)
    sign_up(customer, "pat@example.com", name="Pat Example")
    customer.get_by_role("link", name="Help cases").click()
    customer.get_by_role("link", name="Ask for help").click()
    customer.get_by_label("Subject").fill("Two charges on my statement")
    customer.get_by_label("What is it about?").select_option("billing")
    customer.get_by_label("Your message").fill("I see two charges of $29.99 this month.")
    customer.get_by_role("button", name="Send").click()
    customer.wait_for_url("**/account/cases/CASE-*")
    number = customer.url.rsplit("/", 1)[1]

    secret = _enrol(database, runtime, "sam@staff.example", "Sam Support")
    agent = new_page(DESKTOP)
    _sign_in_to_console(agent, "sam@staff.example", secret, clock)
    agent.get_by_role("link", name="Cases", exact=True).click()
    agent.get_by_role("link", name=number).click()
    expect(agent.locator("main")).to_contain_text("I see two charges")
    agent.get_by_label(re.compile("Reply to the customer")).fill(
        "One of them is a card check that disappears in a few days."
    )
    agent.get_by_role("button", name="Send reply").click()
    agent.get_by_label(re.compile("Internal note")).fill("Verified: a single capture.")
    agent.get_by_role("button", name="Add note").click()
    expect(agent.locator("[data-clock]")).to_contain_text("met")
    _shoot(agent, "case")

    customer.reload()
    expect(customer.locator("main")).to_contain_text("card check that disappears")
    expect(customer.locator("main")).not_to_contain_text("Verified: a single capture.")
    _shoot(customer, "case-portal")
