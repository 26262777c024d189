"""What every portal page shares: templates in the visitor's language, sessions, and one unit
of work per request."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from subdesk.accounts.service import account_for_token
from subdesk.audit.log import Actor
from subdesk.context import Work
from subdesk.errors import NotAuthenticated
from subdesk.models import Account
from subdesk.money import Money
from subdesk.notifications.formatting import format_day, format_moment, format_money
from subdesk.portal.i18n import pick_locale, translations
from subdesk.web.kit import session_of, visitor

SESSION_TOKEN = "token"  # noqa: S105 - the session key under which the sign-in token lives
SESSION_LOCALE = "locale"

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class SignInNeeded(NotAuthenticated):
    """A portal page for signed-in customers was asked for without a session."""


def locale_of(request: Request, account: Account | None = None) -> str:
    chosen = request.query_params.get("lang") or session_of(request).get(SESSION_LOCALE)
    if account is not None and chosen is None:
        chosen = account.locale
    return pick_locale(request.headers.get("accept-language"), chosen)


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    locale: str | None = None,
) -> HTMLResponse:
    """Render a page; every page gets the CSRF token, the words of its language and the user."""
    context = context or {}
    locale = locale or locale_of(request, context.get("account"))
    words = translations(locale)
    csrf = request.scope.get("csrftoken")
    page = _templates.get_template(template).render(
        request=request,
        locale=locale,
        csrftoken=csrf() if csrf else "",
        signed_in=SESSION_TOKEN in session_of(request),
        _=words.gettext,
        ngettext=words.ngettext,
        money=lambda value: format_money(Money(value.amount, value.currency), locale),
        minor=lambda amount, currency: format_money(Money(amount, currency), locale),
        day=lambda value: format_day(value, locale) if value else "",
        moment=lambda value: format_moment(value, locale) if value else "",
        **context,
    )
    return HTMLResponse(page, status_code=status)


@contextmanager
def customer(request: Request, *, writes: bool = False) -> Iterator[tuple[Work, Account]]:
    """A unit of work for the signed-in customer; without a session, SignInNeeded."""
    token = request.session.get(SESSION_TOKEN)
    if not token:
        raise SignInNeeded("Please sign in.", code="sign_in_needed")
    with visitor(request, writes=writes) as work:
        try:
            account = account_for_token(work, token)
        except NotAuthenticated:
            request.session.pop(SESSION_TOKEN, None)
            raise SignInNeeded("Please sign in again.", code="sign_in_needed") from None
        yield replace(work, actor=Actor.customer(account.id)), account
