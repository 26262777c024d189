"""Refund exceptions waiting for a supervisor: approve (the refund is made) or reject."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.context import Work
from subdesk.errors import NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import parse_uuid
from subdesk.models import StaffMember
from subdesk.support import refund_exceptions, repository
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)


def _page(request: Request, error: SubdeskError | None = None) -> Response:
    with staff(request) as (work, member):
        context = {
            "pending": repository.exceptions(work.session),
            "names": repository.staff_names(work.session),
            "error": error,
        }
        status = error.status if error else 200
        return render(request, "exceptions.html", context, status=status, member=member)


@router.get("/agent/exceptions", response_class=HTMLResponse)
def exceptions_page(request: Request) -> Response:
    return _page(request)


Decision = Callable[[Work, StaffMember, uuid.UUID, str], None]


def _decide(request: Request, exception_id: str, decide_with: Decision, reason: str) -> Response:
    found = parse_uuid(exception_id, "exception_id")
    try:
        with staff(request, writes=True) as (work, member):
            decide_with(work, member, found, reason)
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        return _page(request, error)
    return redirect("/agent/exceptions")


@router.post("/agent/exceptions/{exception_id}/approve")
def approve(exception_id: str, request: Request, reason: Field = "") -> Response:
    """A supervisor other than the requester approves: the refund is made now."""
    return _decide(request, exception_id, refund_exceptions.approve, reason)


@router.post("/agent/exceptions/{exception_id}/reject")
def reject(exception_id: str, request: Request, reason: Field = "") -> Response:
    return _decide(request, exception_id, refund_exceptions.reject, reason)
