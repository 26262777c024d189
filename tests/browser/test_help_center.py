"""The help center in Chromium: search, read an article linked from a check-in code, answer
"did this solve your problem?"; accessible; a screenshot in docs/screenshots/help-*.png."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.licensing.rules import Code, help_path
from subdesk.support.help.demo import seed_articles
from tests.browser.conftest import DESKTOP, SCREENSHOTS


@pytest.fixture
def articles(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_articles(Work(session, runtime))


def test_a_visitor_searches_reads_and_answers(page: Page, articles: None) -> None:
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name="Help").click()
    page.get_by_label("Search the help articles").fill("google play")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Cancel a subscription bought on Google Play").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Cancel a subscription bought on Google Play"
    )
    expect(page.locator(".article-body ol li")).to_have_count(3)
    page.get_by_role("button", name="Yes").click()
    expect(page.get_by_role("status")).to_have_text("Thank you for telling us.")


def test_a_check_in_codes_link_opens_its_article_in_german(page: Page, articles: None) -> None:
    page.goto(help_path(Code.TOO_MANY_DEVICES, "de"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Mehr Geräte als Plätze")
    expect(page.get_by_role("group", name="Hat das Ihr Problem gelöst?")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / "help-article.png"
    page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
    assert path.stat().st_size > 0


def test_the_help_pages_have_no_serious_accessibility_violation(page: Page, articles: None) -> None:
    axe = Axe()
    found = {}
    for path in ("/help", "/help?q=payment", "/help/checkin-grace"):
        page.goto(path)
        violations = axe.run(page).response["violations"]
        found[path] = [v["id"] for v in violations if v["impact"] in {"serious", "critical"}]
    assert found == {"/help": [], "/help?q=payment": [], "/help/checkin-grace": []}
