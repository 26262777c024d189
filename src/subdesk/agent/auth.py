"""Console sign-in (password and TOTP code, rate-limited), sign-out and the own password."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import SESSION_STAFF, render, safe_next, staff
from subdesk.errors import RateLimited, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.support import staff as staff_accounts
from subdesk.web.kit import form_error, redirect, visitor

router = APIRouter(include_in_schema=False)


@router.get("/agent/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/agent") -> Response:  # noqa: A002
    return render(request, "sign_in.html", {"next": safe_next(next), "values": {}, "errors": {}})


@router.post("/agent/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    email: Field = "",
    password: Field = "",
    code: Field = "",
    next: Field = "/agent",  # noqa: A002
) -> Response:
    try:
        request.app.state.sign_in_limiter.check(
            f"staff:{email}", request.client.host if request.client else None
        )
        with visitor(request, writes=True) as work:
            token = staff_accounts.sign_in(work, email, password, code)
    except SubdeskError as error:
        status = 429 if isinstance(error, RateLimited) else 401
        context = {"next": safe_next(next), "values": {"email": email}, "errors": form_error(error)}
        return render(request, "sign_in.html", context, status=status)
    # Only the staff key is replaced: a customer signed in in the same browser stays so.
    request.session[SESSION_STAFF] = token
    return redirect(safe_next(next))


@router.post("/agent/sign-out")
def sign_out(request: Request) -> Response:
    token = request.session.pop(SESSION_STAFF, None)
    if token:
        with visitor(request, writes=True) as work:
            staff_accounts.sign_out(work, token)
    return redirect("/agent/sign-in")


@router.get("/agent/password", response_class=HTMLResponse)
def password_page(request: Request) -> Response:
    with staff(request, password_change=True) as (_work, member):
        return render(request, "password.html", {"errors": {}}, member=member)


@router.post("/agent/password", response_class=HTMLResponse)
def change_password(request: Request, current: Field = "", password: Field = "") -> Response:
    try:
        with staff(request, writes=True, password_change=True) as (work, member):
            staff_accounts.change_password(work, member, current, password)
    except SubdeskError as error:
        if error.code.startswith("staff_"):
            raise
        with staff(request, password_change=True) as (_work, member):
            errors = form_error(error, ("current", "password"))
            return render(request, "password.html", {"errors": errors}, status=400, member=member)
    return redirect("/agent")
