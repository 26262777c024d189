"""Acceptance 7: axe-core finds no serious or critical violation on the main pages."""

from __future__ import annotations

import re

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page

from tests.browser.flows import buy, sign_up

SERIOUS = {"serious", "critical"}


def _violations(axe: Axe, page: Page) -> list[str]:
    found = axe.run(page).response["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[node['target'] for node in v['nodes']]}"
        for v in found
        if v["impact"] in SERIOUS
    ]


def test_the_main_pages_have_no_serious_accessibility_violation(page: Page) -> None:
    axe = Axe()
    report: dict[str, list[str]] = {}

    def check(name: str) -> None:
        report[name] = _violations(axe, page)

    page.goto("/sign-in")
    check("sign-in")
    page.goto("/sign-up")
    check("sign-up")
    page.goto("/kuendigen")
    check("kuendigen")
    sign_up(page)
    sid = buy(page, "Shield Suite, 3 devices, yearly")
    page.goto("/account")
    check("dashboard")
    page.goto(f"/account/subscriptions/{sid}")
    check("subscription")
    page.goto(f"/account/subscriptions/{sid}/cancel")
    check("cancel")
    page.get_by_role("button", name=re.compile("Cancel now")).click()
    page.wait_for_url("**/account/cancellations/**")
    check("confirmation")

    assert {name: found for name, found in report.items() if found} == {}
