"""The public help center: search the articles, read one, say whether it solved the problem."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from subdesk.errors import NotFound
from subdesk.fields import FormText
from subdesk.models import HelpArticle
from subdesk.portal.web import locale_of, render
from subdesk.support.help import repository, service
from subdesk.support.help.rules import (
    CHECKIN_SLUGS,
    ROUTE_SLUGS,
    language_of,
    platform_list,
    render_markdown,
)
from subdesk.web.kit import redirect, session_of, visitor

router = APIRouter(include_in_schema=False)
MAX_QUERY = 200
SESSION_VOTES = "help_votes"  # articles this browser has answered for: counted once each
MAX_REMEMBERED = 50
CANCEL_SLUGS = frozenset(ROUTE_SLUGS.values())


def _sections(articles: list[HelpArticle]) -> list[tuple[str, list[HelpArticle]]]:
    """The list without a query: cancelling first, then the app's messages, then the rest."""
    cancel = [a for a in articles if a.slug in CANCEL_SLUGS]
    checkin = [a for a in articles if a.slug in CHECKIN_SLUGS]
    other = [a for a in articles if a.slug not in CANCEL_SLUGS | CHECKIN_SLUGS]
    return [(key, rows) for key, rows in (("cancel", cancel), ("app", checkin), ("more", other))]


@router.get("/help", response_class=HTMLResponse)
def help_page(request: Request, q: str = "") -> Response:
    query = " ".join(q.split())[:MAX_QUERY]
    language = language_of(locale_of(request))
    with visitor(request) as work:
        if query:
            context = {"q": query, "results": repository.search(work.session, query, language)}
        else:
            sections = _sections(repository.in_language(work.session, language))
            context = {"q": "", "sections": sections}
        return render(request, "help.html", context)


@router.get("/help/{slug}", response_class=HTMLResponse)
def article_page(request: Request, slug: str, voted: str = "") -> Response:
    language = language_of(locale_of(request))
    with visitor(request) as work:
        article = repository.by_slug(work.session, slug, language)
        if article is None:
            raise NotFound("No such article.", code="article_not_found")
        context = {
            "article": article,
            "html": Markup(render_markdown(article.body)),  # noqa: S704 - HTML off, see rules
            "platforms": platform_list(article.platforms),
            "voted": voted if voted in ("yes", "no") else "",
        }
        return render(request, "help_article.html", context)


@router.post("/help/feedback")
def feedback(
    request: Request,
    slug: FormText = "",
    helpful: FormText = "",
    language: FormText = "",
) -> Response:
    """Count the answer once per browser and article; a second answer is thanked, not counted."""
    votes: list[int] = list(session_of(request).get(SESSION_VOTES, []))
    with visitor(request, writes=True) as work:
        article = repository.by_slug(work.session, slug, language_of(language))
        if article is None:
            raise NotFound("No such article.", code="article_not_found")
        if article.id not in votes:
            service.vote(work, slug, article.language, helpful)
            request.session[SESSION_VOTES] = [*votes, article.id][-MAX_REMEMBERED:]
        query = urlencode({"lang": article.language, "voted": "yes" if helpful == "yes" else "no"})
        target = f"/help/{article.slug}?{query}"
    return redirect(target)
