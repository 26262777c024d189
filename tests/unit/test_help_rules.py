"""The help center's pure rules: article checks, safe Markdown, queries, the check-in links."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.errors import InvalidRequest
from subdesk.licensing.rules import HELP_SLUGS, Code, help_path
from subdesk.subscriptions.channels import Channel
from subdesk.support.help.demo import demo_articles
from subdesk.support.help.rules import (
    ROUTE_SLUGS,
    checked_article,
    checked_platforms,
    code_slug,
    fts5_match,
    helpful_vote,
    query_words,
    render_markdown,
)


def test_markdown_shows_typed_html_as_text() -> None:
    html = render_markdown("Hello <script>alert(1)</script> <img src=x onerror=alert(1)>")
    assert "<script" not in html
    assert "<img" not in html
    assert "&lt;script&gt;" in html


def test_markdown_refuses_script_links_and_keeps_web_links() -> None:
    html = render_markdown("[bad](javascript:alert(1)) [good](https://example.com/help)")
    assert "javascript:" not in html.split("[bad]")[0]
    assert 'href="javascript' not in html
    assert '<a href="https://example.com/help">good</a>' in html


@given(st.text(max_size=300))
def test_markdown_never_emits_a_script_tag(body: str) -> None:
    assert "<script" not in render_markdown(body).lower()


@given(st.text(max_size=200))
def test_a_query_becomes_quoted_prefix_words_only(text: str) -> None:
    match = fts5_match(query_words(text))
    for term in match.split(" ") if match else []:
        assert term.startswith('"')
        assert term.endswith('"*')
        assert '"' not in term[1:-2]


def test_query_words_split_codes_and_drop_operators() -> None:
    assert query_words('TOO_MANY_DEVICES OR "x" NEAR(') == [
        "TOO",
        "MANY",
        "DEVICES",
        "OR",
        "x",
        "NEAR",
    ]


def test_platforms_are_all_or_known_ones_in_order() -> None:
    assert checked_platforms("") == "all"
    assert checked_platforms("ios, Windows") == "windows,ios"
    with pytest.raises(InvalidRequest):
        checked_platforms("amiga")


def test_an_article_needs_a_plain_slug_and_a_known_language() -> None:
    with pytest.raises(InvalidRequest) as slug:
        checked_article("Not a slug!", "en", "Title", "Body", "all")
    assert slug.value.field == "slug"
    with pytest.raises(InvalidRequest) as language:
        checked_article("ok-slug", "fr", "Title", "Body", "all")
    assert language.value.field == "language"


def test_feedback_is_yes_or_no() -> None:
    assert helpful_vote("yes") is True
    assert helpful_vote("no") is False
    with pytest.raises(InvalidRequest):
        helpful_vote("maybe")


def test_every_check_in_code_links_to_its_article_in_the_persons_language() -> None:
    assert help_path(Code.GRACE, "de") == "/help/checkin-grace?lang=de"
    assert help_path(Code.TOO_MANY_DEVICES, "xx") == "/help/checkin-too-many-devices?lang=en"


def test_demo_articles_cover_every_code_and_cancellation_route_in_both_languages() -> None:
    shipped = {(a.slug, a.language) for a in demo_articles()}
    wanted = set(HELP_SLUGS.values()) | set(ROUTE_SLUGS.values())
    assert {c.value for c in Channel} <= set(ROUTE_SLUGS)
    for language in ("en", "de"):
        assert {(slug, language) for slug in wanted} <= shipped
    for article in demo_articles():
        checked_article(
            article.slug, article.language, article.title, article.body, article.platforms
        )


def test_a_check_in_code_typed_as_the_query_names_its_article() -> None:
    assert code_slug("too_many_devices") == "checkin-too-many-devices"
    assert code_slug(" GRACE ") == "checkin-grace"
    assert code_slug("grace period") is None
