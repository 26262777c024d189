"""Sign up, sign in and sign out: a session cookie holding a sign-in token stored hashed."""

from __future__ import annotations

import pycountry
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import EmailStr, ValidationError

from subdesk.accounts import recovery, service
from subdesk.accounts.schemas import SignIn, SignUp
from subdesk.errors import RateLimited, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.portal.web import SESSION_LOCALE, SESSION_TOKEN, customer, render
from subdesk.redirects import safe_next
from subdesk.schemas import Input
from subdesk.web.kit import form_error, redirect, visitor

router = APIRouter(include_in_schema=False)

SIGN_UP_FIELDS = ("email", "password", "name", "country", "region", "locale")
COUNTRIES = sorted(((c.alpha_2, c.name) for c in pycountry.countries), key=lambda c: c[1])


class EmailOnly(Input):
    email: EmailStr


def _invalid(error: ValidationError) -> dict[str, str]:
    first = error.errors()[0]
    field = str(first["loc"][0]) if first["loc"] else "_form"
    return {field: first["msg"].removeprefix("value is not a valid email address: ")}


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _safe_next(url: str) -> str:
    return safe_next(url, "/account")


@router.get("/sign-up", response_class=HTMLResponse)
def sign_up_page(request: Request) -> Response:
    return render(request, "sign_up.html", {"countries": COUNTRIES, "values": {}, "errors": {}})


@router.post("/sign-up", response_class=HTMLResponse)
def sign_up(
    request: Request,
    email: Field = "",
    password: Field = "",
    name: Field = "",
    country: Field = "",
    region: Field = "",
    locale: Field = "en",
) -> Response:
    """ "Check your inbox" whether or not the address already has an account (its owner is
    emailed then); a new account signs in with its password at once."""
    values = {"email": email, "name": name, "country": country, "region": region, "locale": locale}
    status = 400
    try:
        form = SignUp(
            **{**values, "password": password, "name": name or None, "region": region or None}
        )
        request.app.state.sign_up_limiter.check(form.email, _client(request))
        with visitor(request, writes=True) as work:
            service.sign_up(work, **form.model_dump())
    except ValidationError as error:
        errors = _invalid(error)
    except SubdeskError as error:
        errors = form_error(error, SIGN_UP_FIELDS)
        status = 429 if isinstance(error, RateLimited) else 400
    else:
        request.session[SESSION_LOCALE] = form.locale
        return render(request, "sign_up_sent.html", {"email": form.email})
    context = {"countries": COUNTRIES, "values": values, "errors": errors}
    return render(request, "sign_up.html", context, status=status)


@router.get("/sign-in", response_class=HTMLResponse)
def sign_in_page(request: Request, next: str = "/account", reset: str = "") -> Response:  # noqa: A002
    context = {"next": _safe_next(next), "values": {}, "errors": {}, "reset": reset == "1"}
    return render(request, "sign_in.html", context)


@router.post("/sign-in", response_class=HTMLResponse)
def sign_in(
    request: Request,
    email: Field = "",
    password: Field = "",
    next: Field = "/account",  # noqa: A002
) -> Response:
    status = 400
    try:
        form = SignIn(email=email, password=password)
        request.app.state.sign_in_limiter.check(form.email, _client(request))
        with visitor(request, writes=True) as work:
            token, _row = service.issue_token(work, email=form.email, password=password)
    except ValidationError as error:
        errors = _invalid(error)
    except SubdeskError as error:
        errors = form_error(error, ("email", "password"))
        status = 429 if isinstance(error, RateLimited) else 401
    else:
        request.session.clear()
        request.session[SESSION_TOKEN] = token
        return redirect(_safe_next(next))
    context = {"next": _safe_next(next), "values": {"email": email}, "errors": errors}
    return render(request, "sign_in.html", context, status=status)


@router.post("/sign-out")
def sign_out(request: Request) -> Response:
    if SESSION_TOKEN in request.session:
        with customer(request, writes=True) as (work, _account):
            service.revoke_token(work, request.session[SESSION_TOKEN])
    request.session.clear()
    return redirect("/sign-in")


@router.get("/forgot-password", response_class=HTMLResponse)
def forgot_page(request: Request) -> Response:
    return render(request, "forgot.html", {"values": {}, "errors": {}, "sent": False})


@router.post("/forgot-password", response_class=HTMLResponse)
def forgot(request: Request, email: Field = "") -> Response:
    """The same answer whether or not the address has an account."""
    try:
        address = EmailOnly(email=email).email
        request.app.state.password_reset_limiter.check(address, _client(request))
        with visitor(request, writes=True) as work:
            recovery.request_reset(work, address)
    except ValidationError as error:
        return render(
            request,
            "forgot.html",
            {"values": {"email": email}, "errors": _invalid(error), "sent": False},
            status=400,
        )
    except RateLimited as error:
        context = {
            "values": {"email": email},
            "errors": form_error(error, ("email",)),
            "sent": False,
        }
        return render(request, "forgot.html", context, status=429)
    return render(request, "forgot.html", {"values": {}, "errors": {}, "sent": True})


@router.get("/reset-password", response_class=HTMLResponse)
def reset_page(request: Request, token: str = "") -> Response:
    with visitor(request) as work:
        try:
            recovery.check_link(work, token)
        except SubdeskError as error:
            return render(
                request, "reset.html", {"token": "", "errors": form_error(error)}, status=400
            )
    return render(request, "reset.html", {"token": token, "errors": {}})


@router.post("/reset-password", response_class=HTMLResponse)
def reset(request: Request, token: Field = "", password: Field = "") -> Response:
    try:
        with visitor(request, writes=True) as work:
            recovery.reset_password(work, token, password)
    except SubdeskError as error:
        context = {
            "token": token if error.field == "password" else "",
            "errors": form_error(error, ("password",)),
        }
        return render(request, "reset.html", context, status=400)
    request.session.clear()
    return redirect("/sign-in?reset=1")
