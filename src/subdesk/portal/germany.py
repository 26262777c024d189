"""The "cancel contracts here" page (Germany, § 312k BGB): reachable from every page without
signing in, one form, a "cancel now" button, an immediate confirmation that discloses nothing
about the account, and the "this wasn't me" link emailed to the account."""

from __future__ import annotations

from datetime import UTC, date, datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import EmailStr, Field, ValidationError

from subdesk.compliance.termination import Kind
from subdesk.errors import InvalidRequest, RateLimited, SubdeskError
from subdesk.fields import FormText as Text
from subdesk.portal.i18n import translations
from subdesk.portal.web import render
from subdesk.schemas import Input
from subdesk.subscriptions.declarations import Declaration, disputable, dispute, receive
from subdesk.web.kit import form_error, visitor

router = APIRouter(include_in_schema=False)


class DeclarationForm(Input):
    kind: Kind
    name: str = Field(min_length=1, max_length=200)
    email: EmailStr
    contract: str = Field(default="", max_length=100)
    end: str = Field(default="", max_length=10)
    reason: str = Field(default="", max_length=2000)


def _language(request: Request) -> str:
    """German unless the visitor asked for English: this is the German legal route."""
    return "en" if request.query_params.get("lang") == "en" else "de"


def _page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int
) -> Response:
    locale = _language(request)
    context = {"values": values, "errors": errors, "lang": locale}
    return render(request, "kuendigen.html", context, status=status, locale=locale)


@router.get("/kuendigen", response_class=HTMLResponse)
def declaration_page(request: Request) -> Response:
    return _page(request, {"kind": "ordinary"}, {}, 200)


def _end_date(text: str, today: date, locale: str) -> datetime | None:
    if not text:
        return None
    try:
        wanted = date.fromisoformat(text)
    except ValueError:
        raise InvalidRequest(_message("end", locale), field="end") from None
    if wanted < today:
        raise InvalidRequest(_message("past", locale), field="end")
    return datetime(wanted.year, wanted.month, wanted.day, tzinfo=UTC)


@router.post("/kuendigen", response_class=HTMLResponse)
def declare(
    request: Request,
    kind: Text = "ordinary",
    name: Text = "",
    email: Text = "",
    contract: Text = "",
    end: Text = "",
    reason: Text = "",
) -> Response:
    values = {
        "kind": kind,
        "name": name,
        "email": email,
        "contract": contract,
        "end": end,
        "reason": reason,
    }
    locale = _language(request)
    try:
        form = DeclarationForm(**values)
        address = str(form.email).strip().lower()
        request.app.state.declaration_limiter.check(address, _client(request))
        with visitor(request, writes=True) as work:
            declared = Declaration(
                kind=form.kind,
                name=form.name.strip(),
                email=address,
                contract=form.contract.strip() or None,
                requested_end=_end_date(form.end.strip(), work.now.date(), locale),
                reason=form.reason.strip() or None,
            )
            row = receive(work, declared)
    except ValidationError as error:
        first = error.errors()[0]
        errors = {str(first["loc"][0]): _message(str(first["loc"][0]), locale)}
    except RateLimited as error:
        return _too_many(request, error, locale)
    except SubdeskError as error:
        errors = form_error(error, ("name", "email", "contract", "end", "reason", "kind"))
    else:
        # The same page whether or not the email has an account: only what was typed.
        context = {"row": row, "lang": locale}
        return render(request, "kuendigen_done.html", context, locale=locale)
    return _page(request, values, errors, 400)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


def _too_many(request: Request, error: RateLimited, locale: str) -> Response:
    _ = translations(locale).gettext
    message = _(
        "Too many cancellations were sent from here or for this email address. "
        "Nothing was recorded. Wait a minute and send it again."
    )
    context = {"status": 429, "message": message}
    response = render(request, "error.html", context, status=429, locale=locale)
    response.headers["Retry-After"] = str(error.retry_after)
    return response


@router.get("/kuendigen/nicht-ich", response_class=HTMLResponse)
def dispute_page(request: Request, token: str = "") -> Response:
    """The "this wasn't me" link only shows a button: a mail scanner opening it changes nothing."""
    locale = _language(request)
    with visitor(request) as work:
        try:
            row, _account = disputable(work, token)
        except SubdeskError:
            return _dispute_page(request, locale, {}, status=400)
        return _dispute_page(request, locale, {"row": row, "token": token})


@router.post("/kuendigen/nicht-ich", response_class=HTMLResponse)
def dispute_declaration(request: Request, token: Text = "") -> Response:
    locale = _language(request)
    try:
        with visitor(request, writes=True) as work:
            done = dispute(work, token)
    except SubdeskError:
        return _dispute_page(request, locale, {}, status=400)
    return _dispute_page(request, locale, {"done": done, "row": done.declaration})


def _dispute_page(
    request: Request, locale: str, context: dict[str, object], *, status: int = 200
) -> Response:
    page = {"row": None, "token": "", "done": None, "lang": locale, **context}
    return render(request, "kuendigen_dispute.html", page, status=status, locale=locale)


def _message(field: str, locale: str) -> str:
    german = {
        "name": "Bitte Ihren Namen angeben.",
        "email": "Bitte eine gültige E-Mail-Adresse angeben.",
        "kind": "Bitte die Art der Kündigung wählen.",
        "end": "Bitte ein Datum wie 2026-12-31 angeben.",
        "past": "Das gewünschte Ende liegt in der Vergangenheit.",
    }
    english = {
        "name": "Please give your name.",
        "email": "Please give a valid email address.",
        "kind": "Please choose the kind of cancellation.",
        "end": "Please give a date like 2026-12-31.",
        "past": "The requested end is in the past.",
    }
    words = german if locale == "de" else english
    return words.get(field, "Bitte die Eingabe prüfen." if locale == "de" else "Please check this.")
