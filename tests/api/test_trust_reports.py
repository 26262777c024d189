"""Reports from the public and the trust team's registry and known scams (operator key)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.app import create_app
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import AuditEvent

KEY = "sdop_trust-team"
OPERATOR = {"Authorization": f"Bearer {KEY}"}
SCAM = "+18885550143"
SCAM_PAGE = (
    "Shield Antivirus customer support toll-free 1-888-555-0143. To cancel your Shield "
    "auto-renewal call 1-888-555-0143 now; refunds at 1 (888) 555-0143."
)


@pytest.fixture
def team(runtime: Runtime, database: Database, catalog: None) -> Iterator[TestClient]:
    digest = hashlib.sha256(KEY.encode()).hexdigest()
    settings = runtime.settings.model_copy(
        update={"operator_key_sha256": digest, "trust_reports_per_minute": 100}
    )
    app = create_app(
        runtime=Runtime(settings, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app) as client:
        yield client


def report(client: TestClient, **body: str) -> dict[str, object]:
    response = client.post("/api/v1/trust/reports", json=body)
    assert response.status_code == 201, response.text
    result: dict[str, object] = response.json()
    return result


def actions(database: Database) -> list[tuple[str, str, str | None]]:
    with database.transaction() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action.like("trust.%")))
        return [(e.action, e.actor_type, e.reason) for e in events]


def test_a_report_is_kept_with_its_verdict(team: TestClient) -> None:
    saved = report(team, text=SCAM_PAGE, source_url="https://example.org/cancel-shield")
    check = saved["check"]
    assert isinstance(check, dict)
    assert check["verdict"] == "likely_scam"
    assert saved["id"]


def test_reported_numbers_are_ranked_by_how_often_they_were_seen(team: TestClient) -> None:
    report(team, text=SCAM_PAGE)
    report(team, text="Shield help: call 1-888-555-0143")
    report(team, phone="+1 877 555 0110")
    ranked = team.get("/api/v1/admin/trust/reported-numbers", headers=OPERATOR)
    assert ranked.status_code == 200, ranked.text
    rows = [(r["number"], r["reports"], r["occurrences"]) for r in ranked.json()]
    assert rows == [(SCAM, 2, 4), ("+18775550110", 1, 1)]
    assert ranked.json()[0]["known_scam"] is False


def test_official_numbers_are_not_kept_as_reported(team: TestClient) -> None:
    added = team.post(
        "/api/v1/admin/trust/phones",
        json={"number": "+1 800 555 0199", "purpose": "customer support"},
        headers=OPERATOR,
    )
    assert added.status_code == 201, added.text
    report(team, text="Shield support: 1-800-555-0199")
    assert team.get("/api/v1/admin/trust/reported-numbers", headers=OPERATOR).json() == []


def test_marking_a_number_known_scam_raises_later_verdicts_and_is_audited(
    team: TestClient, database: Database
) -> None:
    before = team.post("/api/v1/trust/check", json={"phone": "1-888-555-0143"}).json()
    marked = team.post(
        "/api/v1/admin/trust/scam-numbers",
        json={"number": "1 888 555 0143", "reason": "reported 40 times"},
        headers=OPERATOR,
    )
    after = team.post("/api/v1/trust/check", json={"phone": "(888) 555-0143"}).json()
    assert marked.status_code == 201, marked.text
    assert before["verdict"] == "not_official"
    assert after["verdict"] == "likely_scam"
    assert after["reasons"][0]["code"] == "known_scam_number"
    report(team, phone=SCAM)
    ranked = team.get("/api/v1/admin/trust/reported-numbers", headers=OPERATOR).json()
    assert ranked[0]["known_scam"] is True
    assert ("trust.number_marked_scam", "operator", "reported 40 times") in actions(database)


def test_unmarking_a_number_is_audited_and_lowers_its_verdict(
    team: TestClient, database: Database
) -> None:
    body = {"number": SCAM, "reason": "reported"}
    team.post("/api/v1/admin/trust/scam-numbers", json=body, headers=OPERATOR)
    removed = team.delete(
        f"/api/v1/admin/trust/scam-numbers/{SCAM}", params={"reason": "a mistake"}
    )
    assert removed.status_code == 401
    removed = team.delete(
        f"/api/v1/admin/trust/scam-numbers/{SCAM}", params={"reason": "a mistake"}, headers=OPERATOR
    )
    assert removed.status_code == 204
    assert team.post("/api/v1/trust/check", json={"phone": SCAM}).json()["verdict"] == (
        "not_official"
    )
    assert ("trust.number_unmarked_scam", "operator", "a mistake") in actions(database)


def test_the_trust_team_manages_the_registry_audited(team: TestClient, database: Database) -> None:
    phone = team.post(
        "/api/v1/admin/trust/phones",
        json={"number": "+49 800 5550199", "purpose": "Kundendienst", "hours": "Mo-Fr 9-18"},
        headers=OPERATOR,
    )
    web = team.post(
        "/api/v1/admin/trust/domains",
        json={"kind": "web", "domain": "https://www.Shield.example/help"},
        headers=OPERATOR,
    )
    assert phone.status_code == 201, phone.text
    assert phone.json()["country"] == "DE"
    assert web.json() == {"kind": "web", "domain": "shield.example"}
    listed = team.get("/api/v1/trust/channels").json()
    assert [p["number"] for p in listed["phones"]] == ["+498005550199"]
    assert listed["web_domains"] == ["shield.example"]
    gone = team.delete(
        "/api/v1/admin/trust/domains/web/shield.example",
        params={"reason": "moved"},
        headers=OPERATOR,
    )
    assert gone.status_code == 204
    assert team.get("/api/v1/trust/channels").json()["web_domains"] == []
    assert [a[0] for a in actions(database)] == [
        "trust.phone_added",
        "trust.domain_added",
        "trust.domain_removed",
    ]


@pytest.mark.parametrize(
    ("path", "body", "status", "code"),
    [
        ("/phones", {"number": "123 45", "purpose": "x"}, 400, "invalid_phone_number"),
        ("/domains", {"kind": "ftp", "domain": "shield.example"}, 400, "invalid_kind"),
        ("/domains", {"kind": "web", "domain": "not a domain"}, 400, "invalid_domain"),
        ("/scam-numbers", {"number": "+1 800 555 0199", "reason": "x"}, 409, "official_number"),
    ],
)
def test_bad_registry_changes_are_refused_plainly(
    team: TestClient, path: str, body: dict[str, str], status: int, code: str
) -> None:
    team.post(
        "/api/v1/admin/trust/phones",
        json={"number": "+1 800 555 0199", "purpose": "support"},
        headers=OPERATOR,
    )
    response = team.post(f"/api/v1/admin/trust{path}", json=body, headers=OPERATOR)
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code


def test_registering_a_number_twice_is_a_conflict(team: TestClient) -> None:
    body = {"number": "+1 800 555 0199", "purpose": "support"}
    team.post("/api/v1/admin/trust/phones", json=body, headers=OPERATOR)
    again = team.post("/api/v1/admin/trust/phones", json=body, headers=OPERATOR)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "already_registered"


def test_the_trust_teams_endpoints_need_the_operator_key(team: TestClient) -> None:
    for method, path in [
        ("get", "/reported-numbers"),
        ("get", "/channels"),
        ("post", "/phones"),
        ("post", "/scam-numbers"),
    ]:
        response = getattr(team, method)(f"/api/v1/admin/trust{path}")
        assert response.status_code in (401, 422)
        if method == "get":
            assert response.status_code == 401


def test_reports_are_rate_limited_per_address(client: TestClient) -> None:
    codes = [
        client.post("/api/v1/trust/reports", json={"phone": SCAM}).status_code for _ in range(6)
    ]
    assert codes == [201] * 5 + [429]
