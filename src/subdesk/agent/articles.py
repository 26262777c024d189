"""The knowledge base in the console: every article with its feedback counts, and (for
supervisors and admins) publishing and editing, each change audited with a reason."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.errors import InvalidRequest, NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.support.help import repository, service
from subdesk.support.help.rules import LANGUAGES
from subdesk.support.rules import Permission, require
from subdesk.text import is_ascii_digits
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)
FIELDS = ("slug", "language", "title", "platforms", "body")


@router.get("/agent/articles", response_class=HTMLResponse)
def articles_page(request: Request) -> Response:
    with staff(request) as (work, member):
        require(member.role, Permission.VIEW_CUSTOMERS)
        context = {"articles": repository.every_article(work.session)}
        return render(request, "articles.html", context, member=member)


def _article_id(text: str) -> int:
    if not is_ascii_digits(text) or len(text) > 18:
        raise InvalidRequest("No such article.", code="article_not_found", field="article_id")
    return int(text)


def _form(
    request: Request,
    article_id: int | None,
    values: dict[str, str] | None = None,
    error: SubdeskError | None = None,
) -> Response:
    with staff(request) as (work, member):
        require(member.role, Permission.EDIT_ARTICLES)
        article = service.get(work, article_id) if article_id is not None else None
        shown = values or {name: str(getattr(article, name)) if article else "" for name in FIELDS}
        context = {
            "article": article,
            "values": shown,
            "languages": LANGUAGES,
            "error": error,
        }
        status = error.status if error else 200
        return render(request, "article_edit.html", context, status=status, member=member)


@router.get("/agent/articles/new", response_class=HTMLResponse)
def new_article_page(request: Request) -> Response:
    return _form(request, None, {"language": "en", "platforms": "all"})


@router.get("/agent/articles/{article_id}", response_class=HTMLResponse)
def edit_article_page(request: Request, article_id: str) -> Response:
    return _form(request, _article_id(article_id))


def _save(
    request: Request, article_id: int | None, values: dict[str, str], reason: str
) -> Response:
    try:
        with staff(request, writes=True) as (work, member):
            saved = service.save_article(work, member, article_id, values, reason)
            target = f"/agent/articles/{saved.id}?saved=1"
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        if error.status in (403, 404):
            raise
        return _form(request, article_id, values, error)
    return redirect(target)


@router.post("/agent/articles")
def create(
    request: Request,
    slug: Field = "",
    language: Field = "",
    title: Field = "",
    platforms: Field = "",
    body: Field = "",
    reason: Field = "",
) -> Response:
    values = dict(slug=slug, language=language, title=title, platforms=platforms, body=body)
    return _save(request, None, values, reason)


@router.post("/agent/articles/{article_id}")
def update(
    request: Request,
    article_id: str,
    slug: Field = "",
    language: Field = "",
    title: Field = "",
    platforms: Field = "",
    body: Field = "",
    reason: Field = "",
) -> Response:
    values = dict(slug=slug, language=language, title=title, platforms=platforms, body=body)
    return _save(request, _article_id(article_id), values, reason)
