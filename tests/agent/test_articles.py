"""Help articles in the console: staff see the feedback counts; supervisors publish and edit,
with a reason in the audit log; the full-text index follows every change."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import HelpArticle
from subdesk.support.help import repository
from subdesk.support.help.demo import seed_articles
from tests.agent.console import Console, events
from tests.portal.pages import Visitor, csrf_of

NEW = dict(
    slug="vpn-slow",
    language="en",
    title="The VPN feels slow",
    platforms="windows, android",
    body="Choose a **nearer** server location.\n\n<b>not bold</b>",
)


@pytest.fixture
def articles(database: Database, runtime: Runtime) -> int:
    with database.transaction() as session:
        return seed_articles(Work(session, runtime))


def _found(database: Database, words: str) -> list[str]:
    with database.reading() as session:
        return [a.slug for a in repository.search(session, words, "en")]


def test_staff_see_how_visitors_answered(
    client: TestClient, as_agent: Console, articles: int
) -> None:
    Visitor(client).submit(
        "/help/checkin-grace", "/help/feedback", slug="checkin-grace", language="en", helpful="yes"
    )
    page = as_agent.client.get("/agent/articles")
    assert page.status_code == 200
    row = page.text.split('data-slug="checkin-grace" data-language="en"')[1].split("</tr>")[0]
    assert '<td class="yes">1</td><td class="no">0</td>' in row
    assert 'href="/agent/articles/new"' not in page.text  # an agent does not edit


def test_an_agent_cannot_edit_articles(as_agent: Console, database: Database) -> None:
    assert as_agent.client.get("/agent/articles/new").status_code == 403
    page = as_agent.client.get("/agent/articles")
    refused = as_agent.client.post(
        "/agent/articles",
        data={"csrftoken": csrf_of(page), **NEW, "reason": "new article"},
        follow_redirects=False,
    )
    assert refused.status_code == 403
    assert "does not allow" in refused.text  # the role, not the form's token
    assert _found(database, "nearer server") == []


def test_a_supervisor_publishes_and_edits_with_reasons_and_search_follows(
    client: TestClient, as_supervisor: Console, database: Database, articles: int
) -> None:
    made = as_supervisor.post_form(
        "/agent/articles/new", "/agent/articles", **NEW, reason="customers ask weekly"
    )
    assert made.status_code == 303, made.text
    assert _found(database, "nearer server") == ["vpn-slow"]
    public = client.get("/help/vpn-slow")
    assert "<strong>nearer</strong>" in public.text
    assert "&lt;b&gt;not bold&lt;/b&gt;" in public.text
    assert "For: windows, android" in public.text

    edit = made.headers["location"].split("?")[0]
    changed = as_supervisor.post_form(
        edit, edit, **{**NEW, "body": "Switch the protocol to WireGuard."}, reason="new advice"
    )
    assert changed.status_code == 303, changed.text
    assert _found(database, "nearer") == []
    assert _found(database, "wireguard") == ["vpn-slow"]
    (created,) = events(database, "support.article_created")
    (updated,) = events(database, "support.article_updated")
    assert (created.reason, updated.reason) == ("customers ask weekly", "new advice")


def test_an_article_needs_a_reason_and_a_free_address(
    as_supervisor: Console, database: Database, articles: int
) -> None:
    no_reason = as_supervisor.post_form("/agent/articles/new", "/agent/articles", **NEW, reason="")
    assert no_reason.status_code == 400
    taken = as_supervisor.post_form(
        "/agent/articles/new",
        "/agent/articles",
        **{**NEW, "slug": "checkin-grace"},
        reason="a second one",
    )
    assert taken.status_code == 409
    assert "exists already" in taken.text
    with database.reading() as session:
        assert (
            session.scalars(select(HelpArticle).where(HelpArticle.slug == "vpn-slow")).all() == []
        )
