"""A visitor of the portal through the HTTP client: reads the CSRF token from each form."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from fastapi.testclient import TestClient
from httpx2 import Response

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)
_TOKEN = re.compile(r'name="csrftoken" value="([^"]+)"')


def csrf_of(page: Response) -> str:
    found = _TOKEN.search(page.text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


@dataclass
class Visitor:
    client: TestClient

    def submit(self, page_url: str, action: str, **fields: str) -> Response:
        """Open the page, then post its form the way a browser would (no redirects followed)."""
        page = self.client.get(page_url)
        assert page.status_code == 200, page.text
        data = {"csrftoken": csrf_of(page), **fields}
        return self.client.post(action, data=data, follow_redirects=False)

    def sign_up(self, country: str = "US", locale: str = "en") -> str:
        """Sign up through the form ("check your inbox"), then sign in with the password."""
        email = f"visitor{next(_numbers)}@example.com"
        response = self.submit(
            "/sign-up",
            "/sign-up",
            email=email,
            password=PASSWORD,
            name="Vera Visitor",
            country=country,
            region="CA" if country == "US" else "",
            locale=locale,
        )
        assert response.status_code == 200, response.text
        assert "Check your inbox" in response.text or "Postfach" in response.text
        signed_in = self.submit("/sign-in", "/sign-in", email=email, password=PASSWORD)
        assert signed_in.status_code == 303, signed_in.text
        return email

    def buy(self, plan_id: str, **extra: str) -> Response:
        fields = {
            "card_number": "4242424242424242",
            "exp_month": "12",
            "exp_year": "2030",
            "auto_renew_consent": "on",
            **extra,
        }
        page = self.client.get(f"/plans/{plan_id}")
        key = re.search(r'name="form_key" value="([^"]+)"', page.text)
        version = re.search(r'name="disclosure_version" value="([^"]+)"', page.text)
        assert key
        assert version
        data = {
            "csrftoken": csrf_of(page),
            "form_key": key.group(1),
            "disclosure_version": version.group(1),
            **fields,
        }
        return self.client.post(f"/plans/{plan_id}/buy", data=data, follow_redirects=False)


def subscription_id_of(location: str) -> str:
    found = re.search(r"/account/subscriptions/([0-9a-f-]{36})", location)
    assert found, location
    return found.group(1)
