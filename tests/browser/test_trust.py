"""Issue 8, acceptance 4: "Is this really us?" works in Chromium without signing in and
explains each reason in plain words with what to do instead."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.trust.demo import seed_official_channels
from tests.portal.test_trust_pages import SCAM_PAGE


@pytest.fixture
def channels(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_official_channels(Work(session, runtime))


def test_a_visitor_checks_a_scam_page_and_is_told_what_to_do_instead(
    page: Page, channels: None
) -> None:
    page.goto("/")
    page.get_by_role("link", name="Is this really us?").click()
    page.get_by_label("A page or message (paste its text)").check()
    page.get_by_label("Paste it here").fill(SCAM_PAGE)
    page.get_by_role("button", name="Check").click()
    verdict = page.get_by_role("status")
    expect(verdict).to_contain_text("This looks like a scam. Do not call or pay.")
    expect(verdict).to_contain_text("+18885550143")
    expect(verdict.locator("ol.reasons > li")).not_to_have_count(0)
    expect(page.get_by_role("link", name="Cancel online instead")).to_have_attribute(
        "href", "/account"
    )
    page.get_by_role("link", name="Our official channels").click()
    expect(page.get_by_role("heading", name="How to reach us")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Cancelling never needs a phone call.")


def test_an_official_number_is_confirmed_in_the_browser(page: Page, channels: None) -> None:
    page.goto("/check")
    page.get_by_label("A phone number").check()
    page.get_by_label("Paste it here").fill("+1 800 555 0199")
    page.get_by_role("button", name="Check").click()
    expect(page.get_by_role("status")).to_contain_text("Yes, this is ours.")


def test_the_trust_pages_have_no_serious_accessibility_violation(
    page: Page, channels: None
) -> None:
    axe = Axe()
    found = {}
    for path in ("/contact", "/check"):
        page.goto(path)
        violations = axe.run(page).response["violations"]
        found[path] = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert found == {"/contact": [], "/check": []}
