"""Acceptance 4: a German visitor, not signed in, cancels through "Verträge hier kündigen"
(§312k BGB): the page confirms receipt at once without showing the account's contracts, the
account's address gets them by email, and its "this wasn't me" link turns renewal back on."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

import httpx2
from playwright.sync_api import Page, expect

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Subscription
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.browser.flows import CANCELLATION_ID
from tests.factories import customer, subscribe
from tests.smtp import SmtpServer

NAME = "Bruno Beispiel"
PLAN = "Shield Antivirus, 1 Gerät, jährlich"
# The test clock's moment, as a German reads it.
RECEIVED = "15. Januar 2026, 10:00 UTC"
DECLARATION_ID = re.compile(r"KND-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
DISPUTE_LINK = re.compile(r"https?://[^/\s]+(/kuendigen/nicht-ich\?token=[\w-]+)")


def _german_customer(base_url: str) -> tuple[str, str]:
    with httpx2.Client(base_url=base_url) as http:
        bruno = customer(http, country="DE", region=None, locale="de")
        sub = subscribe(http, bruno, "av1-year-eur")
    return bruno.email, str(sub["id"])


def _declare(page: Page, email: str, contract: str) -> str:
    """Declare on the page, from the link every page carries; the reference it confirms."""
    page.goto("/sign-in")
    page.get_by_role("link", name="Verträge hier kündigen").click()
    page.wait_for_url("**/kuendigen")
    form = page.locator("form:has([name=email])")
    form.get_by_label(re.compile("Ordentliche Kündigung")).check()
    form.locator("[name=name]").fill(NAME)
    form.locator("[name=email]").fill(email)
    form.locator("[name=contract]").fill(contract)
    page.get_by_role("button", name=re.compile("jetzt kündigen", re.I)).click()
    main = page.locator("main")
    expect(main).to_contain_text(DECLARATION_ID)
    reference = DECLARATION_ID.search(main.inner_text())
    assert reference is not None
    return reference.group(0)


def _auto_renews(database: Database, sid: str) -> bool:
    with database.reading() as session:
        subscription = session.get(Subscription, uuid.UUID(sid))
        assert subscription is not None
        return subscription.auto_renew


def test_a_german_visitor_cancels_without_signing_in_and_the_account_can_undo_it(
    new_page: Callable[..., Page],
    base_url: str,
    database: Database,
    runtime: Runtime,
    clock: TestClock,
    smtp: SmtpServer,
) -> None:
    email, sid = _german_customer(base_url)
    page = new_page(locale="de-DE")
    reference = _declare(page, email, sid[:8])

    main = page.locator("main")
    expect(main).to_contain_text(RECEIVED)
    expect(main).to_contain_text(NAME)
    expect(main).to_contain_text(email)
    shown = main.inner_text()
    assert not CANCELLATION_ID.search(shown), shown
    assert PLAN not in shown
    assert "15. Januar 2027" not in shown
    assert not _auto_renews(database, sid)

    # The worker's email step sends what the declaration queued, to the account's address.
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())
    mails = [m for m in smtp.mailbox.messages if reference in str(m["Subject"])]
    assert len(mails) == 1, smtp.mailbox.subjects()
    assert str(mails[0]["To"]) == email
    text = smtp.mailbox.text_of(mails[0])
    assert "ordentliche Kündigung" in text
    assert CANCELLATION_ID.search(text), text
    assert f"Eingegangen am: {RECEIVED}" in text, text
    link = DISPUTE_LINK.search(text)
    assert link is not None, text

    # The account holder opens the link: only a button, until they press it.
    holder = new_page(locale="de-DE")
    holder.goto(link.group(1))
    assert not _auto_renews(database, sid)
    holder.get_by_role("button", name="Bestätigen: Das war ich nicht").click()
    expect(holder.locator("main")).to_contain_text("wieder eingeschaltet")
    expect(holder.locator("main")).to_contain_text(PLAN)
    assert _auto_renews(database, sid)
