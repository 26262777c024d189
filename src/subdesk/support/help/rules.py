"""The help center's rules: what an article may hold, how it renders, how a query is read.

Pure functions, tested without a database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from markdown_it import MarkdownIt

from subdesk.errors import InvalidRequest
from subdesk.licensing.rules import HELP_SLUGS, PLATFORMS, Code
from subdesk.subscriptions.channels import Channel

LANGUAGES = ("en", "de")
ALL_PLATFORMS = "all"
MAX_RESULTS = 20
MAX_QUERY_WORDS = 12
MAX_BODY = 50_000

# An article on every way out of a subscription (the demo data ships each in both languages).
ROUTE_SLUGS: dict[str, str] = {
    Channel.DIRECT.value: "cancel-direct",
    Channel.APP_STORE.value: "cancel-app-store",
    Channel.GOOGLE_PLAY.value: "cancel-google-play",
    Channel.PROVIDER.value: "cancel-provider",
    Channel.RETAIL.value: "cancel-retail",
    "germany": "cancel-germany",  # § 312k BGB, without signing in
    "eu_withdrawal": "withdraw-eu",
}
CHECKIN_SLUGS = frozenset(HELP_SLUGS.values())

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class ArticleText:
    """An article as staff typed it, checked."""

    slug: str
    language: str
    title: str
    body: str
    platforms: str


def checked_article(slug: str, language: str, title: str, body: str, platforms: str) -> ArticleText:
    """Refuse what cannot be published, field by field."""
    slug = slug.strip().lower()
    if not (0 < len(slug) <= 80 and _SLUG.match(slug)):
        raise InvalidRequest(
            "Use lower-case letters, digits and hyphens (up to 80).",
            code="invalid_slug",
            field="slug",
        )
    if language not in LANGUAGES:
        raise InvalidRequest("Choose English or German.", code="invalid_language", field="language")
    title = " ".join(title.split())
    if not 3 <= len(title) <= 200:
        raise InvalidRequest("Give a title of 3 to 200 characters.", field="title")
    body = body.replace("\r\n", "\n").strip()
    if not 1 <= len(body) <= MAX_BODY:
        raise InvalidRequest(f"Write the article (at most {MAX_BODY} characters).", field="body")
    return ArticleText(slug, language, title, body, checked_platforms(platforms))


def checked_platforms(text: str) -> str:
    """ "all", or some of the app's platforms, comma-separated in a fixed order."""
    named = {p.strip().lower() for p in text.split(",") if p.strip()}
    if not named or ALL_PLATFORMS in named:
        return ALL_PLATFORMS
    unknown = named - set(PLATFORMS)
    if unknown:
        raise InvalidRequest(
            f"Platforms are {', '.join(PLATFORMS)} or all.",
            code="invalid_platform",
            field="platforms",
        )
    return ",".join(p for p in PLATFORMS if p in named)


def platform_list(platforms: str) -> list[str]:
    return [] if platforms == ALL_PLATFORMS else platforms.split(",")


def query_words(text: str) -> list[str]:
    """The words of a search box query; punctuation and operators mean nothing here."""
    return _WORD.findall(text)[:MAX_QUERY_WORDS]


def fts5_match(words: list[str]) -> str:
    """An FTS5 MATCH expression: every word, each as a quoted prefix (never FTS syntax)."""
    return " ".join(f'"{word}"*' for word in words)


def code_slug(query: str) -> str | None:
    """The article of a check-in code typed as the query ("TOO_MANY_DEVICES"), if it is one."""
    try:
        return HELP_SLUGS[Code(query.strip().upper().replace(" ", "_").replace("-", "_"))]
    except ValueError:
        return None


def language_of(wanted: str) -> str:
    return wanted if wanted in LANGUAGES else "en"


def helpful_vote(answer: str) -> bool:
    if answer not in ("yes", "no"):
        raise InvalidRequest("Answer yes or no.", code="invalid_feedback", field="helpful")
    return answer == "yes"


@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    # CommonMark with raw HTML off: tags typed into an article are shown as text, and the
    # parser's link validation refuses javascript:, vbscript:, file: and data: URLs.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(body: str) -> str:
    """The article's HTML: safe to mark as such in a template, whatever staff typed."""
    return _markdown().render(body)
