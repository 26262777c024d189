"""Help cases in the portal: open one, see every case and its replies, answer in the thread."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.errors import NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.portal.web import customer, render
from subdesk.support import cases
from subdesk.support.rules import Category, case_number
from subdesk.web.kit import form_error, redirect

router = APIRouter(include_in_schema=False)
FIELDS = ("subject", "category", "body")


@router.get("/account/cases", response_class=HTMLResponse)
def cases_page(request: Request) -> Response:
    with customer(request) as (work, account):
        context = {
            "account": account,
            "cases": cases.customer_cases(work, account.id),
            "case_number": case_number,
        }
        return render(request, "help_cases.html", context)


def _new_page(
    request: Request, values: dict[str, str], errors: dict[str, str], status: int = 200
) -> Response:
    with customer(request) as (_work, account):
        context = {
            "account": account,
            "categories": list(Category),
            "values": values,
            "errors": errors,
        }
        return render(request, "help_case_new.html", context, status=status)


@router.get("/account/cases/new", response_class=HTMLResponse)
def new_case_page(request: Request, category: str = "") -> Response:
    return _new_page(request, {"category": category}, {})


@router.post("/account/cases/new", response_class=HTMLResponse)
def new_case(
    request: Request, subject: Field = "", category: Field = "", body: Field = ""
) -> Response:
    try:
        with customer(request, writes=True) as (work, account):
            number = case_number(cases.open_case(work, account, subject, category, body).id)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        values = {"subject": subject, "category": category, "body": body}
        return _new_page(request, values, form_error(error, FIELDS), status=400)
    return redirect(f"/account/cases/{number}")


def _thread_page(
    request: Request, number: str, errors: dict[str, str], status: int = 200
) -> Response:
    with customer(request) as (work, account):
        case = cases.customer_case(work, account.id, number)
        context = {
            "account": account,
            "thread": cases.thread(work, case, internal=False),
            "number": case_number(case.id),
            "errors": errors,
        }
        return render(request, "help_case.html", context, status=status)


@router.get("/account/cases/{number}", response_class=HTMLResponse)
def case_page(number: str, request: Request) -> Response:
    return _thread_page(request, number, {})


@router.post("/account/cases/{number}/reply", response_class=HTMLResponse)
def reply(number: str, request: Request, body: Field = "") -> Response:
    try:
        with customer(request, writes=True) as (work, account):
            case = cases.customer_case(work, account.id, number)
            cases.customer_reply(work, case, body)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        if error.status == 404:
            raise
        return _thread_page(request, number, form_error(error, ("body",)), status=400)
    return redirect(f"/account/cases/{number.upper()}")
