"""Steps shared by the tests of "Verträge hier kündigen": declaring, and the emailed link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from httpx2 import Response

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.notifications.smtp import SmtpSender, deliver_pending
from tests.factories import plan_id
from tests.portal.pages import Visitor, csrf_of, subscription_id_of
from tests.smtp import SmtpServer

PLAN = "Shield Antivirus, 1 Gerät, jährlich"
ENDS = "15. Januar 2027"  # a year after the test clock's start
CANCELLATION_ID = re.compile(r"CXL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
DECLARATION_ID = re.compile(r"KND-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
_LINK = re.compile(r"/kuendigen/nicht-ich\?token=([\w-]+)")


def german_customer(client: TestClient) -> tuple[str, str]:
    """A German customer with a yearly plan; the client is left signed out."""
    owner = Visitor(client)
    email = owner.sign_up(country="DE", locale="de")
    sid = subscription_id_of(owner.buy(plan_id(client, "av1-year-eur")).headers["location"])
    client.cookies.clear()
    return email, sid


def declare(client: TestClient, **fields: str) -> Response:
    page = client.get("/kuendigen")
    assert page.status_code == 200
    return client.post("/kuendigen", data={"csrftoken": csrf_of(page), **fields})


def deliver(database: Database, runtime: Runtime, clock: TestClock) -> None:
    deliver_pending(database, SmtpSender(runtime.settings), clock.now())


def declaration_mail(smtp: SmtpServer, reference: str) -> str:
    """The text of the one email about declaration `reference`."""
    mails = [m for m in smtp.mailbox.messages if reference in str(m["Subject"])]
    assert len(mails) == 1, smtp.mailbox.subjects()
    return smtp.mailbox.text_of(mails[0])


def dispute_token(text: str) -> str:
    found = _LINK.search(text)
    assert found, text
    return found.group(1)


def reference_of(page: Response) -> str:
    found = DECLARATION_ID.search(page.text)
    assert found, page.text
    return found.group(0)
