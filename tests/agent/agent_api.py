"""Staff on the agent API: a token for an enrolled member (password and a fresh TOTP code)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from subdesk.clock import TestClock
from subdesk.support import totp
from tests.agent.console import Member

API = "/api/v1/agent"


def ask_token(client: TestClient, clock: TestClock, member: Member, **changes: str) -> Response:
    """Sign in for a token with the next 30-second step's code (a code is accepted once)."""
    clock.advance(timedelta(seconds=30))
    body = {
        "email": member.email,
        "password": member.password,
        "code": totp.code_at(member.secret, clock.now()),
        **changes,
    }
    return client.post(f"{API}/auth/token", json=body)


def staff_headers(client: TestClient, clock: TestClock, member: Member) -> dict[str, str]:
    answer = ask_token(client, clock, member)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def error_of(response: Response) -> dict[str, Any]:
    body: dict[str, Any] = response.json()["error"]
    return body
