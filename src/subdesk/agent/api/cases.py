"""The agent API's cases: the queue, one case with its thread, replies, notes, triage and
escalation."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from subdesk.agent.api.access import RESPONSES, StaffBearer, as_staff
from subdesk.agent.api.schemas import (
    CaseChangeIn,
    CaseOut,
    CaseTextIn,
    CaseThreadOut,
    MessageOut,
    ReasonIn,
)
from subdesk.context import Work
from subdesk.models import CaseMessage, StaffMember, SupportCase
from subdesk.support import cases
from subdesk.support.rules import Permission, require

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)
Step = Callable[[Work, StaffMember, SupportCase], Any]
Write = Callable[[Work, StaffMember, SupportCase, str], CaseMessage]


def _on_case(
    request: Request, bearer: StaffBearer, number: str, step: Step, *, status: int = 200
) -> JSONResponse:
    """Run one step on the case, locked as the console locks it."""

    def handler(work: Work, member: StaffMember) -> Any:
        return step(work, member, cases.staff_case(work, member, number, lock=True))

    return as_staff(request, bearer, handler, status=status)


def _add_message(
    request: Request, bearer: StaffBearer, number: str, write: Write, text: str
) -> JSONResponse:
    """Write a reply or a note on the case: 201 with the message."""

    def step(work: Work, member: StaffMember, found: SupportCase) -> MessageOut:
        return MessageOut.model_validate(write(work, member, found, text))

    return _on_case(request, bearer, number, step, status=201)


@router.get("/cases", response_model=list[CaseOut])
def queue(request: Request, bearer: StaffBearer, escalated: bool = False) -> object:
    """Cases still being worked, the nearest first-response target first; `escalated=true`
    keeps the supervisors' queue."""

    def handler(work: Work, member: StaffMember) -> list[CaseOut]:
        require(member.role, Permission.WORK_CASES)
        return [CaseOut.model_validate(c) for c in cases.queue(work, escalated=escalated)]

    return as_staff(request, bearer, handler)


@router.get("/cases/{number}", response_model=CaseThreadOut)
def case(number: str, request: Request, bearer: StaffBearer) -> object:
    """The case (CASE-000123) and its messages, internal notes included."""

    def handler(work: Work, member: StaffMember) -> CaseThreadOut:
        thread = cases.thread(work, cases.staff_case(work, member, number), internal=True)
        messages = [MessageOut.model_validate(m) for m in thread.messages]
        return CaseThreadOut(case=CaseOut.model_validate(thread.case), messages=messages)

    return as_staff(request, bearer, handler)


@router.post("/cases/{number}/replies", response_model=MessageOut, status_code=201)
def reply(number: str, body: CaseTextIn, request: Request, bearer: StaffBearer) -> object:
    """Answer the customer: emailed to them and shown in the portal; the clock stops."""
    return _add_message(request, bearer, number, cases.staff_reply, body.body)


@router.post("/cases/{number}/notes", response_model=MessageOut, status_code=201)
def note(number: str, body: CaseTextIn, request: Request, bearer: StaffBearer) -> object:
    """An internal note: never shown or sent to the customer."""
    return _add_message(request, bearer, number, cases.add_note, body.body)


@router.patch("/cases/{number}", response_model=CaseOut)
def change(number: str, body: CaseChangeIn, request: Request, bearer: StaffBearer) -> object:
    """Status, priority and assignee; what is not sent stays as it is."""
    sent = body.model_fields_set

    def run(work: Work, member: StaffMember, found: SupportCase) -> CaseOut:
        cases.triage(
            work,
            member,
            found,
            status=body.status if body.status is not None else found.status,
            priority=body.priority if body.priority is not None else found.priority,
            assignee_id=body.assignee_id if "assignee_id" in sent else found.assignee_id,
            reason=body.reason,
        )
        return CaseOut.model_validate(found)

    return _on_case(request, bearer, number, run)


@router.post("/cases/{number}/escalate", response_model=CaseOut)
def escalate(number: str, body: ReasonIn, request: Request, bearer: StaffBearer) -> object:
    """Hand the case to the supervisors; escalating it again changes nothing."""

    def run(work: Work, member: StaffMember, found: SupportCase) -> CaseOut:
        cases.escalate(work, member, found, body.reason)
        return CaseOut.model_validate(found)

    return _on_case(request, bearer, number, run)
