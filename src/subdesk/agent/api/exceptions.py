"""The agent API's refund exceptions: the pending ones, and a supervisor's decision on one
(never their own request); approving makes the refund."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff
from subdesk.agent.api.schemas import ExceptionOut, ReasonIn
from subdesk.context import Work
from subdesk.http import IdempotencyKey, parse_uuid
from subdesk.models import StaffMember
from subdesk.support import refund_exceptions, repository
from subdesk.support.rules import Permission, require

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)
Decision = Callable[[Work, StaffMember, uuid.UUID, str], None]


@router.get("/refund-exceptions", response_model=list[ExceptionOut])
def pending(request: Request, bearer: StaffBearer) -> object:
    """Exceptions waiting for a supervisor, newest first."""

    def handler(work: Work, member: StaffMember) -> list[ExceptionOut]:
        require(member.role, Permission.VIEW_CUSTOMERS)
        return [ExceptionOut.model_validate(x) for x in repository.exceptions(work.session)]

    return as_staff(request, bearer, handler)


def _decide(
    request: Request,
    bearer: StaffBearer,
    exception_id: str,
    decide_with: Decision,
    body: ReasonIn,
    key: str | None,
) -> JSONResponse:
    found = parse_uuid(exception_id, "exception_id")

    def handler(work: Work, member: StaffMember) -> ExceptionOut:
        decide_with(work, member, found, body.reason)
        return ExceptionOut.model_validate(refund_exceptions.get(work, found))

    payload = body.model_dump(mode="json")
    return as_staff(request, bearer, handler, idempotency_key=key, payload=payload)


@router.post("/refund-exceptions/{exception_id}/approve", response_model=ExceptionOut)
def approve(
    exception_id: str,
    body: ReasonIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    """A supervisor other than the requester approves: the refund is made now."""
    return _decide(request, bearer, exception_id, refund_exceptions.approve, body, key)


@router.post("/refund-exceptions/{exception_id}/reject", response_model=ExceptionOut)
def reject(
    exception_id: str,
    body: ReasonIn,
    request: Request,
    bearer: StaffBearer,
    key: IdempotencyKey = None,
) -> object:
    return _decide(request, bearer, exception_id, refund_exceptions.reject, body, key)
