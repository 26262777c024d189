"""Browser protections on every kind of answer, and CSRF tokens bound to the session."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from fastapi.testclient import TestClient

from subdesk.app import create_app
from subdesk.context import Runtime
from subdesk.db import Database
from tests.factories import PASSWORD, plan_id, sign_up
from tests.portal.pages import Visitor, csrf_of, subscription_id_of

COMMON = {
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
}
STRICT = {
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "frame-ancestors 'none'",
    "object-src 'none'",
    "base-uri 'none'",
}


def policy(response: object) -> set[str]:
    header: str = response.headers["content-security-policy"]  # type: ignore[attr-defined]
    return {part.strip() for part in header.split(";")}


@pytest.mark.parametrize(
    ("kind", "path", "status"),
    [
        ("portal page", "/sign-in", 200),
        ("API JSON", "/api/v1/plans", 200),
        ("console page", "/agent/sign-in", 200),
        ("static file", "/static/portal.css", 200),
        ("portal error page", "/no-such-page", 404),
        ("API error", "/api/v1/no-such-thing", 404),
        ("refused form", "/sign-in", 403),
        ("hygiene refusal", "/help?q=%00", 400),
    ],
)
def test_every_kind_of_answer_carries_the_protections(
    client: TestClient, kind: str, path: str, status: int
) -> None:
    response = client.post(path) if status == 403 else client.get(path)
    assert response.status_code == status, kind
    for name, value in COMMON.items():
        assert response.headers[name] == value, (kind, name)
    assert policy(response) >= STRICT, kind
    assert "strict-transport-security" not in response.headers


def test_the_check_in_hot_path_carries_them_too(client: TestClient) -> None:
    response = client.post("/api/v1/licenses/check-in", headers={"Authorization": "Bearer x"})
    assert response.headers["x-frame-options"] == "DENY"
    assert policy(response) >= STRICT


def test_hsts_only_when_the_site_is_https(
    runtime: Runtime, database: Database, catalog: None
) -> None:
    https = runtime.settings.model_copy(update={"public_url": "https://subdesk.example"})
    app = create_app(
        runtime=Runtime(https, runtime.clock, runtime.gateway, runtime.signer), database=database
    )
    with TestClient(app, base_url="https://testserver") as client:
        hsts = client.get("/api/v1/plans").headers["strict-transport-security"]
    assert hsts.startswith("max-age=31536000")


def test_the_api_docs_allow_the_cdn_and_exactly_their_inline_script(client: TestClient) -> None:
    docs = client.get("/docs")
    rules = policy(docs)
    script = next(rule for rule in rules if rule.startswith("script-src"))
    assert "https://cdn.jsdelivr.net" in script
    assert "'unsafe-inline'" not in script
    for inline in re.findall(r"<script>(.*?)</script>", docs.text, re.DOTALL):
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script
    assert "frame-ancestors 'none'" in rules
    assert "https://cdn.jsdelivr.net" in next(
        r for r in policy(client.get("/redoc")) if "script" in r
    )


def test_no_page_template_holds_inline_script_style_or_handlers() -> None:
    from pathlib import Path

    import subdesk

    root = Path(subdesk.__file__).parent
    inline = re.compile(r"<script(?![^>]*\bsrc=)|<style|\sstyle=|\son[a-z]+=|javascript:", re.I)
    offenders = [
        str(path.relative_to(root))
        for folder in ("portal/templates", "agent/templates")
        for path in (root / folder).rglob("*.html")
        if inline.search(path.read_text())
    ]
    assert offenders == []


def _cancel_form(client: TestClient) -> tuple[str, str]:
    visitor = Visitor(client)
    visitor.sign_up()
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-usd")).headers["location"])
    url = f"/account/subscriptions/{sid}/cancel"
    return url, csrf_of(client.get(url))


def test_a_token_from_another_session_is_refused_even_with_its_cookie(
    client: TestClient,
) -> None:
    url, _own = _cancel_form(client)
    with TestClient(client.app) as attacker:
        foreign = csrf_of(attacker.get("/sign-in"))
        # What a cookie-setting attacker does: plant its own token as the victim's cookie.
        client.cookies.delete("csrftoken")
        client.cookies.set("csrftoken", foreign)
        refused = client.post(url, data={"when": "now", "csrftoken": foreign})
    assert refused.status_code == 403
    assert "Cancel now" in client.get(url).text


def test_the_own_sessions_token_is_taken(client: TestClient) -> None:
    url, own = _cancel_form(client)
    done = client.post(url, data={"when": "now", "csrftoken": own}, follow_redirects=False)
    assert done.status_code == 303


def test_signing_in_renews_the_token(client: TestClient) -> None:
    email = sign_up(client)["email"]
    page = client.get("/sign-in")
    before = csrf_of(page)
    signed = client.post(
        "/sign-in",
        data={"csrftoken": before, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert signed.status_code == 303
    after = csrf_of(client.get("/account/cards"))
    assert after != before
    stale = client.post("/sign-out", data={"csrftoken": before})
    assert stale.status_code == 403
