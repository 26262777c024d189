"""Staff in the console through the HTTP client: enrolled in the database, signed in with TOTP."""

from __future__ import annotations

import itertools
import re
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import select

from subdesk.audit.log import Actor
from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import AuditEvent
from subdesk.support import staff, totp
from tests.factories import PASSWORD, Customer, add_card, subscribe
from tests.portal.pages import Visitor, csrf_of

STAFF_PASSWORD = "staff password 1"  # noqa: S105 - a test password
_numbers = itertools.count(1)


@dataclass
class Member:
    id: uuid.UUID
    email: str
    secret: str
    password: str


def enrol(database: Database, runtime: Runtime, role: str, *, one_time: bool = False) -> Member:
    email = f"{role}{next(_numbers)}@staff.example"
    with database.transaction() as session:
        work = Work(session, runtime, Actor("operator", "test"))
        name = f"{role.title()} {email.split('@')[0]}"
        done = staff.add_staff(work, email, name, role, None if one_time else STAFF_PASSWORD)
        password = done.one_time_password or STAFF_PASSWORD
        return Member(done.staff.id, email, done.staff.totp_secret, password)


@dataclass
class Console(Visitor):
    """A browser of one staff member (its own cookie jar)."""

    clock: TestClock | None = None

    def sign_in(self, member: Member) -> Response:
        assert self.clock is not None
        code = totp.code_at(member.secret, self.clock.now())
        return self.submit(
            "/agent/sign-in",
            "/agent/sign-in",
            email=member.email,
            password=member.password,
            code=code,
        )

    def post_form(self, page_url: str, action: str, **fields: str) -> Response:
        """Post a form of a page, after checking the page has a form for this action."""
        page = self.client.get(page_url)
        assert page.status_code == 200, page.text
        assert f'action="{action}"' in page.text, f"no form posts to {action}"
        data = {"csrftoken": csrf_of(page), **fields}
        return self.client.post(action, data=data, follow_redirects=False)


def console(app: FastAPI, clock: TestClock, member: Member | None = None) -> Console:
    signed = Console(TestClient(app), clock)
    if member is not None:
        response = signed.sign_in(member)
        assert response.status_code == 303, response.text
    return signed


def account_id(client: TestClient, who: Customer) -> str:
    return str(client.get("/api/v1/me", headers=who.headers).json()["id"])


def events(database: Database, action: str) -> list[AuditEvent]:
    with database.transaction() as session:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(session.scalars(query))


def form_key(page: Response) -> str:
    found = re.search(r'name="form_key" value="([^"]+)"', page.text)
    assert found
    return found.group(1)


def json_of(response: Response) -> Any:
    return response.json()


@dataclass
class Found:
    """A customer with one of every record the search box finds them by."""

    who: Customer
    account_id: str
    name: str
    subscription_id: str
    invoice: str
    cancellation_id: str
    device_id: str
    device_name: str


def known_customer(client: TestClient, name: str = "Quinn Searchable") -> Found:
    """Signs up with a name, buys two yearly plans, stops one's renewal, activates a device."""
    email = f"found{next(_numbers)}@example.com"
    body = {"email": email, "password": PASSWORD, "country": "US", "region": "CA", "name": name}
    assert client.post("/api/v1/accounts", json=body).status_code == 202
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
    who = Customer(email, headers, add_card(client, headers))
    kept = subscribe(client, who, "av1-year-usd")
    stopped = subscribe(client, who, "av1-year-usd", confirm_second_purchase=True)
    cancel = client.post(
        f"/api/v1/subscriptions/{stopped['id']}/cancel",
        json={"when": "period_end", "reason": "testing"},
        headers=headers,
    )
    assert cancel.status_code == 200, cancel.text
    device = {
        "fingerprint": "fingerprint-1",
        "name": f"{name.split()[0]}'s Laptop",
        "platform": "windows",
    }
    activated = client.post(
        "/api/v1/licenses/activate",
        json={"subscription_id": kept["id"], "device": device},
        headers=headers,
    )
    assert activated.status_code in (200, 201), activated.text
    invoices = client.get("/api/v1/invoices", headers=headers).json()
    return Found(
        who=who,
        account_id=account_id(client, who),
        name=name,
        subscription_id=kept["id"],
        invoice=invoices[0]["number"],
        cancellation_id=cancel.json()["id"],
        device_id=activated.json()["device"]["id"],
        device_name=device["name"],
    )
