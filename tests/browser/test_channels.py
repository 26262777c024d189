"""Acceptance 5: app-store and provider subscriptions show their routes, never a dead end."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect

from subdesk.db import Database
from subdesk.models import Subscription
from tests.browser.flows import buy, sign_up

YEARLY = "Shield Antivirus, 1 device, yearly"


def _billed_by(database: Database, sid: str, channel: str, status: str = "active") -> None:
    """A subscription moved to a store or a provider by hand (the flows that make them
    are tested in tests/channels)."""
    with database.transaction() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        subscription.channel, subscription.status = channel, status


@pytest.mark.parametrize(
    ("channel", "store", "step"),
    [
        ("app_store", "Apple", "open Settings and tap your name"),
        ("google_play", "Google Play", "Payments & subscriptions"),
    ],
)
def test_an_app_store_subscription_shows_the_exact_steps_at_that_store(
    page: Page, database: Database, channel: str, store: str, step: str
) -> None:
    sign_up(page)
    sid = buy(page, YEARLY)
    _billed_by(database, sid, channel)
    page.goto(f"/account/subscriptions/{sid}")
    page.get_by_role("link", name="Cancel subscription").click()
    main = page.locator("main")
    expect(main).to_contain_text(f"This subscription is billed by {store}")
    expect(main).to_contain_text(step)
    expect(page.get_by_role("button", name="Cancel now")).to_have_count(0)


def test_a_provider_subscription_offers_to_contact_the_provider_or_reactivate(
    page: Page, database: Database
) -> None:
    sign_up(page)
    sid = buy(page, YEARLY)
    _billed_by(database, sid, "provider", "suspended")
    page.goto("/account")
    expect(page.locator("article.subscription")).to_contain_text("through your service provider")
    page.goto(f"/account/subscriptions/{sid}/cancel")
    expect(page.get_by_role("link", name="Contact my service provider")).to_be_visible()
    page.get_by_role("link", name="Reactivate the service — I've resolved the issue").click()
    expect(
        page.get_by_role("button", name="Reactivate the service — I've resolved the issue")
    ).to_be_visible()
    page.get_by_role("link", name="Contact my service provider").click()
    expect(page.locator("#provider")).to_be_visible()
