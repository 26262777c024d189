"""The case queue and one case: the conversation, internal notes, triage and escalation."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.web import render, staff
from subdesk.context import Work
from subdesk.errors import NotAuthenticated, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import parse_uuid
from subdesk.models import StaffMember, SupportCase
from subdesk.support import cases, repository
from subdesk.support import staff as staff_accounts
from subdesk.support.rules import CaseStatus, Category, Priority, response_clock
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)
Step = Callable[[Work, StaffMember, SupportCase], object]


@router.get("/agent/cases", response_class=HTMLResponse)
def queue_page(request: Request, escalated: bool = False) -> Response:
    with staff(request) as (work, member):
        found = cases.queue(work, escalated=escalated)
        clocks = {
            c.id: response_clock(c.first_response_due_at, c.first_responded_at, work.now)
            for c in found
        }
        context = {"cases": found, "clocks": clocks, "escalated": escalated}
        return render(request, "cases.html", context, member=member)


def _page(request: Request, number: str, error: SubdeskError | None = None) -> Response:
    with staff(request) as (work, member):
        case = cases.staff_case(work, member, number)
        context = {
            "thread": cases.thread(work, case, internal=True),
            "account": repository.account(work.session, case.account_id),
            "clock": response_clock(case.first_response_due_at, case.first_responded_at, work.now),
            "staff": [s for s in staff_accounts.list_staff(work) if s.status == "active"],
            "names": repository.staff_names(work.session),
            "statuses": list(CaseStatus),
            "priorities": list(Priority),
            "categories": list(Category),
            "error": error,
        }
        status = error.status if error else 200
        return render(request, "case.html", context, status=status, member=member)


def _step(request: Request, number: str, step: Step) -> Response:
    try:
        with staff(request, writes=True) as (work, member):
            step(work, member, cases.staff_case(work, member, number, lock=True))
    except NotAuthenticated:
        raise
    except SubdeskError as error:
        return _page(request, number, error)
    return redirect(f"/agent/cases/{number}")


@router.get("/agent/cases/{number}", response_class=HTMLResponse)
def case_page(number: str, request: Request) -> Response:
    return _page(request, number)


@router.post("/agent/cases/{number}/reply")
def reply(number: str, request: Request, body: Field = "") -> Response:
    return _step(request, number, lambda w, m, c: cases.staff_reply(w, m, c, body))


@router.post("/agent/cases/{number}/note")
def note(number: str, request: Request, body: Field = "") -> Response:
    return _step(request, number, lambda w, m, c: cases.add_note(w, m, c, body))


@router.post("/agent/cases/{number}/triage")
def triage(
    number: str,
    request: Request,
    status: Field = "",
    priority: Field = "",
    assignee: Field = "",
    reason: Field = "",
) -> Response:
    assignee_id = parse_uuid(assignee, "assignee") if assignee else None

    def run(work: Work, member: StaffMember, case: SupportCase) -> None:
        cases.triage(
            work,
            member,
            case,
            status=status,
            priority=priority,
            assignee_id=assignee_id,
            reason=reason,
        )

    return _step(request, number, run)


@router.post("/agent/cases/{number}/escalate")
def escalate(number: str, request: Request, reason: Field = "") -> Response:
    return _step(request, number, lambda w, m, c: cases.escalate(w, m, c, reason))
