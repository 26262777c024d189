"""Acceptance 8: screenshots of the dashboard, both cancel steps and the confirmation, at
desktop and phone width, written into docs/screenshots/ (the README shows them)."""

from __future__ import annotations

import re

from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE, SCREENSHOTS
from tests.browser.flows import buy, sign_up

SIZES = {"desktop": DESKTOP, "phone": PHONE}


def _shoot(page: Page, name: str) -> None:
    for size, viewport in SIZES.items():
        page.set_viewport_size(viewport)
        path = SCREENSHOTS / f"{name}-{size}.png"
        page.screenshot(path=path, full_page=True, animations="disabled", caret="hide")
        assert path.stat().st_size > 0


def test_screenshots_of_the_dashboard_and_the_cancel_steps(page: Page) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # A fixed customer on the test clock: the pages read the same on every run.
    sign_up(page, "pat@example.com", name="Pat Example")
    sid = buy(page, "Shield Suite, 3 devices, yearly")
    page.goto("/account")
    _shoot(page, "dashboard")
    page.goto(f"/account/subscriptions/{sid}")
    _shoot(page, "subscription")
    page.goto(f"/account/subscriptions/{sid}/cancel")
    _shoot(page, "cancel")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("button", name=re.compile("Cancel now")).click()
    page.wait_for_url("**/account/cancellations/**")
    # The cancellation ID is random; show a sample one so the committed picture stays put.
    sample = "node => node.textContent = 'CXL-7K3M-9Q2P-4HXA'"
    page.locator(".cancellation-id strong").evaluate(sample)
    _shoot(page, "confirmation")
