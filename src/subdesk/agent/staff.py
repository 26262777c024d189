"""Staff management for admins: the list, enrolling someone (shown once), disabling."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.errors import NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import parse_uuid
from subdesk.support import staff as staff_accounts
from subdesk.support.rules import Permission, Role, checked_reason, require
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)


def _page(request: Request, error: SubdeskError | None = None) -> Response:
    with staff(request) as (work, member):
        require(member.role, Permission.MANAGE_STAFF)
        context = {"people": staff_accounts.list_staff(work), "roles": list(Role), "error": error}
        status = error.status if error else 200
        return render(request, "staff.html", context, status=status, member=member)


@router.get("/agent/staff", response_class=HTMLResponse)
def staff_page(request: Request) -> Response:
    return _page(request)


@router.post("/agent/staff", response_class=HTMLResponse)
def add(request: Request, email: Field = "", name: Field = "", role: Field = "") -> Response:
    """Enrol someone; the page shows their TOTP URI and one-time password once, never again."""
    try:
        with staff(request, writes=True) as (work, member):
            require(member.role, Permission.MANAGE_STAFF)
            enrolment = staff_accounts.add_staff(work, email, name, role)
            context = {"enrolment": enrolment}
            page = render(request, "staff_added.html", context, member=member)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        if error.status == 403:
            raise
        return _page(request, error)
    page.headers["Cache-Control"] = "no-store"
    return page


@router.post("/agent/staff/{staff_id}/disable")
def disable(staff_id: str, request: Request, reason: Field = "") -> Response:
    found = parse_uuid(staff_id, "staff_id")
    try:
        with staff(request, writes=True) as (work, member):
            staff_accounts.disable_as(work, member, found, checked_reason(reason))
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        if error.status == 403:
            raise
        return _page(request, error)
    return redirect("/agent/staff")
