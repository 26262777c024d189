"""The help center: search on both databases, articles linked from every check-in code,
feedback counted once per browser behind a CSRF token, and Markdown that cannot run script."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.licensing.rules import HELP_SLUGS, Code
from subdesk.models import HelpArticle
from subdesk.support.help import repository
from subdesk.support.help.demo import seed_articles
from subdesk.support.help.rules import ROUTE_SLUGS
from tests.factories import customer, subscribe
from tests.portal.pages import Visitor, csrf_of


@pytest.fixture
def articles(database: Database, runtime: Runtime) -> int:
    with database.transaction() as session:
        return seed_articles(Work(session, runtime))


def _article(database: Database, slug: str, language: str = "en") -> HelpArticle:
    with database.transaction() as session:
        found = session.scalars(
            select(HelpArticle).where(HelpArticle.slug == slug, HelpArticle.language == language)
        ).one()
        session.expunge(found)
        return found


def test_seeding_the_articles_again_adds_none(
    database: Database, runtime: Runtime, articles: int
) -> None:
    assert articles >= 2 * (len(HELP_SLUGS) + len(ROUTE_SLUGS))
    with database.transaction() as session:
        assert seed_articles(Work(session, runtime)) == 0


@pytest.mark.parametrize("language", ["en", "de"])
def test_search_finds_the_article_for_every_check_in_code(
    database: Database, articles: int, language: str
) -> None:
    with database.reading() as session:
        for code in Code:
            found = repository.search(session, code.value, language)
            assert found, code
            assert found[0].slug == HELP_SLUGS[code], (code, [a.slug for a in found])
            assert {a.language for a in found} == {language}


def test_search_matches_words_of_the_text_and_treats_operators_as_words(
    database: Database, articles: int
) -> None:
    with database.reading() as session:
        assert "cancel-google-play" in [
            a.slug for a in repository.search(session, "google play", "en")
        ]
        assert "cancel-app-store" in [a.slug for a in repository.search(session, "Apple", "de")]
        assert repository.search(session, 'NEAR( "unbalanced OR AND -', "en") == []
        assert repository.search(session, "   ", "en") == []


def test_the_help_page_searches_in_the_visitors_language(client: TestClient, articles: int) -> None:
    page = client.get("/help", params={"q": "Google Play", "lang": "de"})
    assert page.status_code == 200
    assert 'href="/help/cancel-google-play?lang=de"' in page.text
    listing = client.get("/help")
    assert 'id="provider"' in listing.text
    assert 'href="/help/checkin-grace?lang=en"' in listing.text


def test_every_check_in_answer_links_to_its_article(client: TestClient, articles: int) -> None:
    who = customer(client)
    sub = subscribe(client, who, "av1-year-usd")
    device = {"fingerprint": "fingerprint-help", "name": "Laptop", "platform": "windows"}
    activated = client.post(
        "/api/v1/licenses/activate",
        json={"subscription_id": sub["id"], "device": device},
        headers=who.headers,
    )
    assert activated.status_code == 201, activated.text
    answer = activated.json()["check_in"]
    assert answer["code"] == "ACTIVE"
    unknown = client.post(
        "/api/v1/licenses/check-in", headers={"Authorization": "Bearer no-such-device"}
    ).json()
    assert unknown["code"] == "NOT_FOUND"
    for body in (answer, unknown):
        link = urlsplit(body["article_url"])
        assert link.path == f"/help/{HELP_SLUGS[Code(body['code'])]}"
        page = client.get(f"{link.path}?{link.query}")
        assert page.status_code == 200
        assert f"`{body['code']}`" not in page.text  # rendered as <code>, not raw Markdown
        assert f"<code>{body['code']}</code>" in page.text


def test_feedback_is_counted_once_per_browser(
    client: TestClient, database: Database, articles: int
) -> None:
    visitor = Visitor(client)
    answered = visitor.submit(
        "/help/checkin-grace", "/help/feedback", slug="checkin-grace", language="en", helpful="no"
    )
    assert answered.status_code == 303
    assert answered.headers["location"] == "/help/checkin-grace?lang=en&voted=no"
    again = visitor.submit(
        "/help/checkin-grace", "/help/feedback", slug="checkin-grace", language="en", helpful="no"
    )
    assert again.status_code == 303
    other = Visitor(TestClient(client.app))
    other.submit(
        "/help/checkin-grace", "/help/feedback", slug="checkin-grace", language="en", helpful="yes"
    )
    counted = _article(database, "checkin-grace")
    assert (counted.helpful_yes, counted.helpful_no) == (1, 1)
    assert "Thank you for telling us." in client.get(answered.headers["location"]).text


def test_feedback_without_the_forms_token_is_refused(
    client: TestClient, database: Database, articles: int
) -> None:
    page = client.get("/help/checkin-grace")
    csrf_of(page)  # the page has the form
    refused = TestClient(client.app).post(
        "/help/feedback", data={"slug": "checkin-grace", "helpful": "yes"}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert _article(database, "checkin-grace").helpful_yes == 0


def test_an_unknown_article_is_a_404_page(client: TestClient, articles: int) -> None:
    page = client.get("/help/no-such-article")
    assert page.status_code == 404
    assert "text/html" in page.headers["content-type"]


def test_an_article_shows_html_typed_into_it_as_text(
    client: TestClient, database: Database, articles: int
) -> None:
    with database.transaction() as session:
        query = select(HelpArticle).where(
            HelpArticle.slug == "cancel-direct", HelpArticle.language == "en"
        )
        row = session.scalars(query).one()
        row.body = "<script>alert(1)</script>\n\n[x](javascript:alert(1))"
    page = client.get("/help/cancel-direct")
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'href="javascript:' not in page.text
