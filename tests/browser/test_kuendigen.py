"""Acceptance 4: a German visitor, not signed in, cancels through "Verträge hier kündigen"
(§312k BGB) and the confirmation arrives by email at once."""

from __future__ import annotations

import re
from collections.abc import Callable

import httpx2
from playwright.sync_api import Page, expect

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.browser.flows import CANCELLATION_ID
from tests.factories import customer, subscribe
from tests.smtp import SmtpServer

NAME = "Bruno Beispiel"
# The test clock's moment, as a German reads it.
RECEIVED = "15. Januar 2026, 10:00 UTC"
DECLARATION_ID = re.compile(r"KND-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


def _german_customer(base_url: str) -> tuple[str, str]:
    with httpx2.Client(base_url=base_url) as http:
        bruno = customer(http, country="DE", region=None)
        sub = subscribe(http, bruno, "av1-year-eur")
    return bruno.email, str(sub["id"])


def test_a_german_visitor_cancels_without_signing_in_and_gets_the_email(
    new_page: Callable[..., Page],
    base_url: str,
    database: Database,
    runtime: Runtime,
    clock: TestClock,
    smtp: SmtpServer,
) -> None:
    email, sid = _german_customer(base_url)
    page = new_page(locale="de-DE")
    page.goto("/sign-in")
    page.get_by_role("link", name="Verträge hier kündigen").click()

    page.wait_for_url("**/kuendigen")
    form = page.locator("form:has([name=email])")
    form.get_by_label(re.compile("Ordentliche Kündigung")).check()
    form.locator("[name=name]").fill(NAME)
    form.locator("[name=email]").fill(email)
    form.locator("[name=contract]").fill(sid[:8])
    page.get_by_role("button", name=re.compile("jetzt kündigen", re.I)).click()

    main = page.locator("main")
    expect(main).to_contain_text(DECLARATION_ID)
    expect(main).to_contain_text(CANCELLATION_ID)
    expect(main).to_contain_text(RECEIVED)
    reference = DECLARATION_ID.search(main.inner_text())
    assert reference is not None
    # The worker's email step sends what the declaration queued.
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())
    mails = [m for m in smtp.mailbox.messages if reference.group(0) in str(m["Subject"])]
    assert len(mails) == 1, smtp.mailbox.subjects()
    assert str(mails[0]["To"]) == email
    text = smtp.mailbox.text_of(mails[0])
    assert "Kündigung" in text
    assert "ordentliche Kündigung" in text
    assert CANCELLATION_ID.search(text), text
    assert f"Eingegangen am: {RECEIVED}" in text, text
