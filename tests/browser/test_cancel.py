"""Acceptance 1–3: buying, cancelling in two steps, stopping the renewal, the save offer."""

from __future__ import annotations

import re
from collections.abc import Callable

from playwright.sync_api import Page, expect

from tests.browser.conftest import DESKTOP, PHONE
from tests.browser.flows import (
    CANCELLATION_ID,
    buy,
    count_posts,
    fully_in_view,
    sign_up,
)

YEARLY = "Shield Antivirus, 1 device, yearly"
# A dearer plan, so that the cheaper yearly one can be offered to save it.
SUITE = "Shield Suite, 3 devices, yearly"
START_DAY = "January 15, 2026"
END_DAY = "January 15, 2027"


def test_new_customer_buys_a_year_and_cancels_now_for_a_full_refund_in_two_submissions(
    page: Page,
) -> None:
    sign_up(page)
    sid = buy(page, YEARLY)
    page.goto(f"/account/subscriptions/{sid}")
    posts = count_posts(page)

    page.get_by_role("link", name="Cancel subscription").click()
    expect(page.get_by_role("button", name=re.compile("Cancel now"))).to_be_visible()
    expect(page.locator("main")).to_contain_text("$29.99")
    page.get_by_role("button", name=re.compile("Cancel now")).click()

    page.wait_for_url("**/account/cancellations/**")
    main = page.locator("main")
    expect(main).to_contain_text(CANCELLATION_ID)
    expect(main).to_contain_text("$29.99")
    expect(main).to_contain_text(f"{START_DAY}, 10:00 UTC")
    expect(main).to_contain_text("We've emailed you this")
    expect(page.get_by_role("link", name=re.compile("receipt", re.I))).to_be_visible()
    assert len(posts) <= 2, posts


def test_stop_renewal_keeps_protection_until_the_end_date_and_turning_it_on_restores_it(
    page: Page,
) -> None:
    sign_up(page)
    sid = buy(page, YEARLY)
    page.goto(f"/account/subscriptions/{sid}/cancel")
    expect(page.locator("main")).to_contain_text(END_DAY)
    page.get_by_role("button", name=re.compile("Stop renewal")).click()

    page.wait_for_url("**/account/cancellations/**")
    expect(page.locator("main")).to_contain_text(CANCELLATION_ID)
    expect(page.locator("main")).to_contain_text(END_DAY)

    page.goto(f"/account/subscriptions/{sid}")
    main = page.locator("main")
    expect(main.locator(".protected-until")).to_have_text(END_DAY)
    expect(main.locator(".status")).to_contain_text(f"protected until {END_DAY}")
    page.get_by_role("button", name="Turn auto-renew on").click()

    expect(page.get_by_role("button", name="Turn auto-renew off")).to_be_visible()
    expect(main).to_contain_text(f"renews on {END_DAY}")
    expect(main.locator(".next-charge")).to_contain_text(f"$49.99 on {END_DAY}")
    page.goto("/account")
    card = page.locator("article.subscription")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(f"renews on {END_DAY}")


def test_the_save_offer_sits_beside_both_cancel_buttons_on_desktop_and_phone(
    page: Page,
) -> None:
    sign_up(page)
    sid = buy(page, SUITE)
    for viewport in (DESKTOP, PHONE):
        page.set_viewport_size(viewport)
        page.goto(f"/account/subscriptions/{sid}/cancel")
        stop = page.get_by_role("button", name=re.compile("Stop renewal"))
        now = page.get_by_role("button", name=re.compile("Cancel now"))
        offers = page.locator("form[action$='/save-offer'] [type=submit]")
        expect(offers).to_have_count(1)
        for button in (stop, now, offers):
            assert fully_in_view(page, button), (viewport, button)
        offer_box, stop_box = offers.bounding_box(), stop.bounding_box()
        assert offer_box is not None
        assert stop_box is not None
        # Equally prominent: the offer's button is no bigger than a cancel button.
        assert offer_box["height"] <= stop_box["height"] + 1, (offer_box, stop_box)
        assert offer_box["width"] <= stop_box["width"] + 1, (offer_box, stop_box)


def test_declining_the_save_offer_costs_one_click(page: Page) -> None:
    sign_up(page)
    sid = buy(page, SUITE)
    page.goto(f"/account/subscriptions/{sid}/cancel")
    expect(page.locator("form[action$='/save-offer']")).to_have_count(1)
    posts = count_posts(page)

    page.get_by_role("button", name=re.compile("Cancel now")).click()

    page.wait_for_url("**/account/cancellations/**")
    expect(page.locator("main")).to_contain_text(CANCELLATION_ID)
    assert len(posts) == 1, posts


def test_buying_and_cancelling_work_without_javascript(new_page: Callable[..., Page]) -> None:
    page = new_page(javascript=False)
    sign_up(page)
    sid = buy(page, YEARLY)
    page.goto(f"/account/subscriptions/{sid}")
    page.get_by_role("link", name="Cancel subscription").click()
    page.get_by_role("button", name=re.compile("Cancel now")).click()

    page.wait_for_url("**/account/cancellations/**")
    expect(page.locator("main")).to_contain_text(CANCELLATION_ID)
    expect(page.locator("main")).to_contain_text("$29.99")
