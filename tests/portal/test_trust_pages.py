"""The trust pages: how to reach us, and "Is this really us?" for anyone."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.trust.demo import seed_official_channels
from tests.portal.pages import csrf_of

SCAM_PAGE = (
    "<p>To cancel Shield auto-renewal call our official toll-free support number "
    "1-(888)-555-0143 now. Refund desk: 1 - ( 8 8 8 ) 555 - 0143. Call 1.888.555.0143 "
    "to stop auto-renewal; pay the fee with a gift card. Support: 1-8OO-555-0143?</p>"
) * 3


@pytest.fixture
def channels(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_official_channels(Work(session, runtime))


def _check(client: TestClient, kind: str, value: str) -> str:
    page = client.get("/check")
    answer = client.post("/check", data={"csrftoken": csrf_of(page), "kind": kind, "value": value})
    assert answer.status_code == 200, answer.text
    return answer.text


def test_how_to_reach_us_lists_the_official_channels_and_says_no_call_is_needed(
    client: TestClient, channels: None
) -> None:
    page = client.get("/contact").text
    assert "+1 800-555-0199" in page
    assert "shield.example" in page
    assert "Cancelling never needs a phone call." in page


def test_an_official_number_is_confirmed(client: TestClient, channels: None) -> None:
    assert "Yes, this is ours." in _check(client, "phone", "1 (800) 555-0199")


def test_a_scam_page_is_explained_with_what_to_do_instead(
    client: TestClient, channels: None
) -> None:
    page = _check(client, "text", SCAM_PAGE)
    assert "This looks like a scam. Do not call or pay." in page
    assert "+18885550143" in page
    assert 'href="/account"' in page
    assert 'href="/contact"' in page


def test_the_check_escapes_what_was_pasted(client: TestClient, channels: None) -> None:
    page = _check(client, "text", "<script>alert(1)</script> call 1-888-555-0143 to cancel")
    assert "<script>alert(1)</script>" not in page


def test_an_empty_check_is_refused_next_to_the_field(client: TestClient, channels: None) -> None:
    page = client.get("/check")
    answer = client.post("/check", data={"csrftoken": csrf_of(page), "kind": "url", "value": " "})
    assert answer.status_code == 400
    assert 'id="value-error"' in answer.text
