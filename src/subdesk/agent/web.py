"""What every console page shares: its templates, the staff session, one unit of work."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from subdesk import redirects
from subdesk.context import Work
from subdesk.errors import NotAuthenticated
from subdesk.models import StaffMember
from subdesk.money import CURRENCY_EXPONENTS, Money
from subdesk.notifications.formatting import format_day, format_moment, format_money
from subdesk.support import staff as staff_accounts
from subdesk.support.rules import Permission, allows, case_number
from subdesk.web.kit import session_of, visitor

# Not the customer's key ("token"): a customer's session never opens the console.
SESSION_STAFF = "staff_token"  # noqa: S105 - the session key, not a secret

_templates = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(Path(__file__).parent / "templates"),
            FileSystemLoader(Path(__file__).parents[1] / "portal" / "templates"),
        ]
    ),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


class StaffSignInNeeded(NotAuthenticated):
    """A console page was asked for without a valid staff session."""

    code = "staff_sign_in_needed"


class PasswordChangeNeeded(NotAuthenticated):
    """Signed in with a one-time password: choose one's own before anything else."""

    code = "staff_password_change_needed"


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    member: StaffMember | None = None,
) -> HTMLResponse:
    """Render a console page (English): the CSRF token, the signed-in staff member, formats."""
    csrf = request.scope.get("csrftoken")
    page = _templates.get_template(template).render(
        request=request,
        locale="en",
        csrftoken=csrf() if csrf else "",
        me=member,
        can=lambda permission: member is not None and allows(member.role, Permission(permission)),
        _=lambda text: text,
        money=lambda value: format_money(Money(value.amount, value.currency), "en"),
        minor=lambda amount, currency: format_money(Money(amount, currency), "en"),
        major=lambda value: str(Decimal(value.amount).scaleb(-CURRENCY_EXPONENTS[value.currency])),
        day=lambda value: format_day(value, "en") if value else "",
        moment=lambda value: format_moment(value, "en") if value else "",
        case_number=case_number,
        **(context or {}),
    )
    return HTMLResponse(page, status_code=status)


@contextmanager
def staff(
    request: Request, *, writes: bool = False, password_change: bool = False
) -> Iterator[tuple[Work, StaffMember]]:
    """A unit of work for the signed-in staff member, acting as Actor("staff", <id>)."""
    token = session_of(request).get(SESSION_STAFF)
    if not token:
        raise StaffSignInNeeded("Please sign in.")
    with visitor(request, writes=writes) as work:
        try:
            member = staff_accounts.staff_for_token(work, token)
        except NotAuthenticated:
            request.session.pop(SESSION_STAFF, None)
            raise StaffSignInNeeded("Please sign in again.") from None
        if member.must_change_password and not password_change:
            raise PasswordChangeNeeded("Choose your own password first.")
        yield replace(work, actor=staff_accounts.actor_of(member)), member


def safe_next(url: str) -> str:
    """Only a console page of this site, with its query string: never an open redirect."""
    return redirects.safe_next(url, "/agent", within="/agent")
