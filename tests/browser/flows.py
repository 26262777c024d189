"""What a customer does in the portal, step by step in the browser: sign up, sign in, buy."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import Locator, Page, expect

PASSWORD = "correct horse battery"
CARD = "4242424242424242"
SUBSCRIPTION_URL = re.compile(r"/account/subscriptions/([0-9a-f-]{36})")
CANCELLATION_ID = re.compile(r"CXL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
_numbers = itertools.count(1)


def new_email() -> str:
    return f"browser{next(_numbers)}@example.com"


def choose(field: Locator, value: str) -> None:
    """Fill a text input or pick an option of a select, whichever the field is."""
    if field.evaluate("element => element.tagName") == "SELECT":
        field.select_option(value)
    else:
        field.fill(value)


def sign_up(
    page: Page,
    email: str | None = None,
    *,
    name: str = "Pat Example",
    country: str = "US",
    locale: str = "en",
) -> str:
    """Create an account through the sign-up page ("check your inbox"), then sign in with
    its password; the browser is signed in afterwards."""
    email = email or new_email()
    page.goto("/sign-up")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(PASSWORD)
    page.locator("[name=name]").fill(name)
    choose(page.locator("[name=country]"), country)
    if page.locator("select[name=locale]").count():
        page.locator("select[name=locale]").select_option(locale)
    elif page.locator(f"[name=locale][value={locale}]").count():
        page.locator(f"[name=locale][value={locale}]").check()
    page.locator("form:has([name=password]) [type=submit]").click()
    page.locator("[role=status]").wait_for()
    sign_in(page, email)
    page.wait_for_url("**/account")
    return email


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    page.goto("/sign-in")
    page.locator("[name=email]").fill(email)
    page.locator("[name=password]").fill(password)
    page.locator("form:has([name=password]) [type=submit]").click()


def buy(page: Page, plan_name: str) -> str:
    """Buy a plan from the plans page with the approved test card; the subscription's id."""
    page.goto("/plans")
    page.get_by_role("link", name=re.compile(re.escape(plan_name))).first.click()
    consent = page.locator("[name=auto_renew_consent]")
    expect(consent).not_to_be_checked()
    new_card = page.locator("[name=card_id][value=new]")
    if new_card.count():
        new_card.check()
    page.locator("[name=card_number]").fill(CARD)
    choose(page.locator("[name=exp_month]"), "12")
    choose(page.locator("[name=exp_year]"), "2030")
    consent.check()
    page.get_by_role("button", name="Buy now").click()
    page.wait_for_url(SUBSCRIPTION_URL)
    found = SUBSCRIPTION_URL.search(page.url)
    assert found is not None, page.url
    return found.group(1)


def count_posts(page: Page) -> list[str]:
    """From now on, the URL of every POST the page sends (form submissions and fetches)."""
    posts: list[str] = []
    page.on(
        "request", lambda request: posts.append(request.url) if request.method == "POST" else None
    )
    return posts


def fully_in_view(page: Page, element: Locator) -> bool:
    """The element is visible inside the viewport as it is, without scrolling."""
    expect(element).to_be_visible()
    box = element.bounding_box()
    size = page.viewport_size
    assert box is not None
    assert size is not None
    scrolled = page.evaluate("[window.scrollX, window.scrollY]")
    return (
        scrolled == [0, 0]
        and box["x"] >= 0
        and box["y"] >= 0
        and box["x"] + box["width"] <= size["width"]
        and box["y"] + box["height"] <= size["height"]
    )
