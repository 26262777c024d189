"""The demo knowledge base: an article for every check-in code and every way to cancel, in
English and German, read from the Markdown files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files

from subdesk.context import Work
from subdesk.support.help import repository
from subdesk.support.help.rules import LANGUAGES, checked_article
from subdesk.support.help.service import add_article


@dataclass(frozen=True, slots=True)
class DemoArticle:
    slug: str
    language: str
    title: str
    platforms: str
    body: str


def demo_articles() -> list[DemoArticle]:
    """Each file: "# Title", "platforms: ...", a blank line, then the Markdown body."""
    found = []
    for language in LANGUAGES:
        folder = files("subdesk.support.help") / "articles" / language
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if not entry.name.endswith(".md"):
                continue
            heading, platforms, _blank, body = entry.read_text("utf-8").split("\n", 3)
            found.append(
                DemoArticle(
                    slug=entry.name.removesuffix(".md"),
                    language=language,
                    title=heading.removeprefix("# ").strip(),
                    platforms=platforms.removeprefix("platforms:").strip(),
                    body=body.strip(),
                )
            )
    return found


def seed_articles(work: Work) -> int:
    """Add the demo articles not there yet (by slug and language); returns how many."""
    have = repository.existing_keys(work.session)
    added = 0
    for demo in demo_articles():
        if (demo.slug, demo.language) in have:
            continue
        text = checked_article(demo.slug, demo.language, demo.title, demo.body, demo.platforms)
        add_article(work, text)
        added += 1
    work.session.flush()
    return added
