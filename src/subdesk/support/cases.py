"""Cases: opened by a customer or an agent, a conversation, notes, triage and escalation."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.context import Work
from subdesk.errors import InvalidRequest, NotFound
from subdesk.models import Account, CaseMessage, StaffMember, SupportCase
from subdesk.notifications.outbox import queue_email
from subdesk.support.rules import (
    CaseStatus,
    Category,
    Permission,
    Priority,
    case_number,
    checked_reason,
    first_response_due,
    initial_priority,
    parse_case_number,
    require,
    status_after_customer_message,
    status_after_staff_reply,
)

MAX_SUBJECT, MAX_BODY = 200, 10_000


@dataclass(frozen=True, slots=True)
class Thread:
    case: SupportCase
    messages: list[CaseMessage]


def _text(value: str, field: str, limit: int) -> str:
    text = value.strip()
    if not text or len(text) > limit:
        raise InvalidRequest(f"Write 1 to {limit} characters.", code="invalid_text", field=field)
    return text


def _category(value: str) -> Category:
    try:
        return Category(value)
    except ValueError:
        raise InvalidRequest(
            "Choose a category.", code="invalid_category", field="category"
        ) from None


def _audit(work: Work, case: SupportCase, action: str, **extra: str) -> None:
    audit(
        work,
        action=f"case.{action}",
        entity=("case", case_number(case.id)),
        account_id=case.account_id,
        after={"status": case.status, "priority": case.priority, **extra},
    )


def open_case(
    work: Work,
    account: Account,
    subject: str,
    category: str,
    body: str,
    *,
    staff: StaffMember | None = None,
) -> SupportCase:
    """A new case with its first message; the first-response clock starts now."""
    if staff is not None:
        require(staff.role, Permission.WORK_CASES)
    chosen = _category(category)
    priority = initial_priority(chosen)
    case = SupportCase(
        account_id=account.id,
        subject=_text(subject, "subject", MAX_SUBJECT),
        category=chosen.value,
        status=CaseStatus.NEW.value,
        priority=priority.value,
        opened_by="staff" if staff else "customer",
        first_response_due_at=first_response_due(work.now, priority),
        created_at=work.now,
        updated_at=work.now,
    )
    work.session.add(case)
    work.session.flush()
    _add_message(work, case, _text(body, "body", MAX_BODY), internal=False)
    _audit(work, case, "opened", category=case.category)
    return case


def _add_message(work: Work, case: SupportCase, body: str, *, internal: bool) -> CaseMessage:
    message = CaseMessage(
        id=uuid.uuid4(),
        case_id=case.id,
        author_type=work.actor.type,
        author_id=work.actor.id or "",
        body=body,
        internal=internal,
        created_at=work.now,
    )
    work.session.add(message)
    case.updated_at = work.now
    return message


def customer_case(work: Work, account_id: uuid.UUID, number: str) -> SupportCase:
    """The customer's own case by its number; anyone else's is simply not found."""
    case_id = parse_case_number(number)
    case = work.session.get(SupportCase, case_id) if case_id is not None else None
    if case is None or case.account_id != account_id:
        raise NotFound("No such case.", code="case_not_found")
    return case


def staff_case(work: Work, staff: StaffMember, number: str, *, lock: bool = False) -> SupportCase:
    require(staff.role, Permission.WORK_CASES)
    case_id = parse_case_number(number)
    case = work.session.get(SupportCase, case_id, with_for_update=lock) if case_id else None
    if case is None:
        raise NotFound("No such case.", code="case_not_found")
    return case


def thread(work: Work, case: SupportCase, *, internal: bool) -> Thread:
    """The messages oldest first; internal notes only for staff (`internal=True`)."""
    query = select(CaseMessage).where(CaseMessage.case_id == case.id)
    if not internal:
        query = query.where(CaseMessage.internal.is_(False))
    messages = list(work.session.scalars(query.order_by(CaseMessage.created_at, CaseMessage.id)))
    return Thread(case, messages)


def customer_cases(work: Work, account_id: uuid.UUID) -> list[SupportCase]:
    query = select(SupportCase).where(SupportCase.account_id == account_id)
    return list(work.session.scalars(query.order_by(SupportCase.id.desc())))


def customer_reply(work: Work, case: SupportCase, body: str) -> None:
    case.status = status_after_customer_message(CaseStatus(case.status)).value
    _add_message(work, case, _text(body, "body", MAX_BODY), internal=False)
    _audit(work, case, "customer_replied")


def staff_reply(work: Work, staff: StaffMember, case: SupportCase, body: str) -> CaseMessage:
    """Answer the customer: they get an email and see it in the portal; the clock stops."""
    require(staff.role, Permission.WORK_CASES)
    case.status = status_after_staff_reply(CaseStatus(case.status)).value
    message = _add_message(work, case, _text(body, "body", MAX_BODY), internal=False)
    if case.first_responded_at is None:
        case.first_responded_at = work.now
    if case.assignee_id is None:
        case.assignee_id = staff.id
    account = work.session.get(Account, case.account_id)
    if account is not None:
        base = work.settings.public_url.rstrip("/")
        context = {
            "case_number": case_number(case.id),
            "subject": case.subject,
            "message": message.body,
            "case_url": f"{base}/account/cases/{case_number(case.id)}",
        }
        queue_email(work, account, "case_reply", context, dedupe_key=f"case_reply:{message.id}")
    _audit(work, case, "replied")
    return message


def add_note(work: Work, staff: StaffMember, case: SupportCase, body: str) -> CaseMessage:
    """An internal note: for staff only, never shown or sent to the customer."""
    require(staff.role, Permission.WORK_CASES)
    note = _add_message(work, case, _text(body, "body", MAX_BODY), internal=True)
    _audit(work, case, "note_added")
    return note


def triage(
    work: Work,
    staff: StaffMember,
    case: SupportCase,
    *,
    status: str,
    priority: str,
    assignee_id: uuid.UUID | None,
    reason: str | None,
) -> None:
    """Set status, priority and assignee; a changed priority moves an unanswered target."""
    require(staff.role, Permission.WORK_CASES)
    try:
        new_status, new_priority = CaseStatus(status), Priority(priority)
    except ValueError:
        raise InvalidRequest("Choose a status and a priority.", field="status") from None
    if assignee_id is not None:
        assignee = work.session.get(StaffMember, assignee_id)
        if assignee is None or assignee.status != "active":
            raise InvalidRequest("Choose an active staff member.", field="assignee")
    before = {"status": case.status, "priority": case.priority, "assignee": str(case.assignee_id)}
    if new_priority.value != case.priority and case.first_responded_at is None:
        case.first_response_due_at = first_response_due(case.created_at, new_priority)
    case.status, case.priority, case.assignee_id = new_status.value, new_priority.value, assignee_id
    case.updated_at = work.now
    audit(
        work,
        action="case.updated",
        entity=("case", case_number(case.id)),
        account_id=case.account_id,
        before=before,
        after={"status": case.status, "priority": case.priority, "assignee": str(assignee_id)},
        reason=(reason or "").strip() or None,
    )


def escalate(work: Work, staff: StaffMember, case: SupportCase, reason: str) -> None:
    """Hand the case to the supervisors: it shows in their queue until one takes it."""
    require(staff.role, Permission.WORK_CASES)
    why = checked_reason(reason)
    if case.escalated_at is not None:
        return
    case.escalated_at, case.updated_at = work.now, work.now
    if case.status == CaseStatus.NEW:
        case.status = CaseStatus.OPEN.value
    audit(
        work,
        action="case.escalated",
        entity=("case", case_number(case.id)),
        account_id=case.account_id,
        after={"escalated": True, "status": case.status},
        reason=why,
    )


def queue(work: Work, *, escalated: bool = False, limit: int = 200) -> list[SupportCase]:
    """Cases still being worked, the nearest first-response target first; only escalated ones
    if asked."""
    done = (CaseStatus.RESOLVED.value, CaseStatus.CLOSED.value)
    query = select(SupportCase).where(SupportCase.status.not_in(done))
    if escalated:
        query = query.where(SupportCase.escalated_at.is_not(None))
    return list(
        work.session.scalars(query.order_by(SupportCase.first_response_due_at).limit(limit))
    )
