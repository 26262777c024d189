"""The support desk's rules: who may do what, the first-response clock, the two-person rule.

Pure functions of their arguments (and the clock's `now`), tested without a database.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from subdesk.errors import Conflict, InvalidRequest, SubdeskError
from subdesk.money import CURRENCY_EXPONENTS
from subdesk.subscriptions.duplicates import REFUND_REASON, refund_key


class NotAllowed(SubdeskError):
    """The staff member's role does not allow this action."""

    status = 403
    code = "not_allowed"


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"


class Permission(StrEnum):
    VIEW_CUSTOMERS = "view_customers"
    ACT_FOR_CUSTOMER = "act_for_customer"  # cancel, auto-renew off, remove a device, resend
    REFUND_WITHIN_POLICY = "refund_within_policy"
    REQUEST_EXCEPTION = "request_exception"
    DECIDE_EXCEPTION = "decide_exception"
    WORK_CASES = "work_cases"  # open, reply, note, triage, escalate
    MANAGE_STAFF = "manage_staff"
    EDIT_ARTICLES = "edit_articles"  # the help center's knowledge base
    REFUND_DUPLICATE = "refund_duplicate"  # one click on the duplicate-charge report


_AGENT = frozenset(
    {
        Permission.VIEW_CUSTOMERS,
        Permission.ACT_FOR_CUSTOMER,
        Permission.REFUND_WITHIN_POLICY,
        Permission.REQUEST_EXCEPTION,
        Permission.WORK_CASES,
        Permission.REFUND_DUPLICATE,  # the money was never owed: no second person needed
    }
)
_SUPERVISOR = _AGENT | {Permission.DECIDE_EXCEPTION, Permission.EDIT_ARTICLES}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.AGENT: _AGENT,
    Role.SUPERVISOR: _SUPERVISOR,
    Role.ADMIN: _SUPERVISOR | {Permission.MANAGE_STAFF},
}


def allows(role: str, permission: Permission) -> bool:
    try:
        return permission in GRANTS[Role(role)]
    except ValueError:
        return False


def require(role: str, permission: Permission) -> None:
    """Refuse, with a 403 the console shows, what the role does not allow."""
    if not allows(role, permission):
        raise NotAllowed(f"Your role ({role}) does not allow this.", code="not_allowed")


MIN_REASON, MAX_REASON = 5, 1000


def checked_reason(reason: str | None, field: str = "reason") -> str:
    """Every staff action says why, in a few words at least."""
    text = (reason or "").strip()
    if not MIN_REASON <= len(text) <= MAX_REASON:
        raise InvalidRequest(
            f"Give a reason of {MIN_REASON} to {MAX_REASON} characters.",
            code="reason_required",
            field=field,
        )
    return text


_AMOUNT = re.compile(r"^\s*(\d{1,9})(?:[.,](\d{1,3}))?\s*$")


def parse_amount(text: str, currency: str) -> int:
    """An amount typed in major units ("29.99" or "29,99") as minor units of `currency`."""
    exponent = CURRENCY_EXPONENTS[currency]
    found = _AMOUNT.match(text)
    if found is None or len(found.group(2) or "") > exponent:
        raise InvalidRequest(
            "Enter an amount such as 12.50.", code="invalid_amount", field="amount"
        )
    fraction = (found.group(2) or "").ljust(exponent, "0")
    return int(found.group(1)) * 10**exponent + int(fraction or 0)


def amount_in(amount: int, currency: str, expected: str) -> int:
    """An amount given as money (minor units and currency): only in the subscription's own."""
    if currency.upper() != expected:
        raise InvalidRequest(
            f"Give the amount in {expected}, the subscription's currency.",
            code="currency_mismatch",
            field="amount.currency",
        )
    return amount


# --- refund exceptions: two people ---------------------------------------------------------


class ExceptionStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


def check_exception_amount(amount: int, refundable: int) -> None:
    """An exception may go beyond policy, never beyond what was captured and not yet refunded."""
    if amount <= 0:
        raise InvalidRequest("The amount must be more than zero.", field="amount")
    if amount > refundable:
        raise Conflict(
            f"At most {refundable} can be refunded: that is what was captured and not refunded.",
            code="refund_exceeds_captured",
            field="amount",
        )


def check_decision(
    status: str, requested_by: uuid.UUID, decider: uuid.UUID, decider_role: str
) -> None:
    """Only a supervisor (or admin) who did not ask for it decides a pending exception."""
    require(decider_role, Permission.DECIDE_EXCEPTION)
    if decider == requested_by:
        raise NotAllowed(
            "Someone else must approve an exception you requested.", code="own_exception"
        )
    if status != ExceptionStatus.PENDING:
        raise Conflict(f"This exception is already {status}.", code="exception_decided")


def policy_allowance(policy_amount: int, pro_rata: bool, already_refunded: int) -> int:
    """What an agent may still refund of one payment within policy.

    The guarantee's amount is already net of earlier refunds; a pro-rata amount is the
    unused months' value capped at what remains, so earlier refunds come off it again
    (conservative when the cap applied: never more than the policy, never more than captured).
    """
    if not pro_rata:
        return max(0, policy_amount)
    return max(0, policy_amount - already_refunded)


def split_refund(amount: int, allowances: list[int]) -> list[int]:
    """Spread `amount` over payments in order, each up to its allowance."""
    parts = []
    left = amount
    for allowance in allowances:
        part = min(left, allowance)
        parts.append(part)
        left -= part
    if left > 0:
        raise Conflict(
            "That is more than the policy allows; request an exception instead.",
            code="beyond_policy",
            field="amount",
        )
    return parts


# --- cases ---------------------------------------------------------------------------------


class Category(StrEnum):
    BILLING = "billing"
    CANCELLATION = "cancellation"
    REFUND = "refund"
    ACTIVATION = "activation"
    INSTALLATION = "installation"
    SCAM_REPORT = "scam_report"
    OTHER = "other"


class CaseStatus(StrEnum):
    NEW = "new"
    OPEN = "open"
    WAITING = "waiting_on_customer"
    RESOLVED = "resolved"
    CLOSED = "closed"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"
    LOW = "low"


FIRST_RESPONSE_TARGETS: dict[Priority, timedelta] = {
    Priority.URGENT: timedelta(hours=1),
    Priority.HIGH: timedelta(hours=4),
    Priority.NORMAL: timedelta(hours=24),
    Priority.LOW: timedelta(hours=72),
}


def initial_priority(category: Category) -> Priority:
    """A scam report is urgent: someone may be on the phone with a scammer right now."""
    return Priority.HIGH if category is Category.SCAM_REPORT else Priority.NORMAL


def first_response_due(opened_at: datetime, priority: Priority) -> datetime:
    return opened_at + FIRST_RESPONSE_TARGETS[priority]


@dataclass(frozen=True, slots=True)
class ResponseClock:
    state: str  # running | breached | met | missed
    # Until the target while running, past it once breached; None once answered.
    remaining: timedelta | None


def response_clock(due: datetime, responded_at: datetime | None, now: datetime) -> ResponseClock:
    """Where a case stands against its first-response target."""
    if responded_at is not None:
        return ResponseClock("met" if responded_at <= due else "missed", None)
    if now <= due:
        return ResponseClock("running", due - now)
    return ResponseClock("breached", now - due)


def status_after_staff_reply(status: CaseStatus) -> CaseStatus:
    if status is CaseStatus.CLOSED:
        raise Conflict("This case is closed; open a new one.", code="case_closed")
    return CaseStatus.WAITING


def status_after_customer_message(status: CaseStatus) -> CaseStatus:
    if status is CaseStatus.CLOSED:
        raise Conflict("This case is closed; open a new one.", code="case_closed")
    return CaseStatus.NEW if status is CaseStatus.NEW else CaseStatus.OPEN


_CASE_NUMBER = re.compile(r"^\s*CASE-?(\d{1,12})\s*$", re.IGNORECASE)


def case_number(case_id: int) -> str:
    return f"CASE-{case_id:06d}"


def parse_case_number(text: str) -> int | None:
    found = _CASE_NUMBER.match(text)
    return int(found.group(1)) if found else None


# --- billing problems -----------------------------------------------------------------------


class DuplicateKind(StrEnum):
    SAME_PERIOD = "same_period"  # one subscription's period charged twice
    SAME_PRODUCT = "same_product"  # two live subscriptions of one product on one account


DUPLICATE_REFUND_REASON = REFUND_REASON


@dataclass(frozen=True, slots=True)
class Charge:
    """What the duplicate rules need of a payment or a subscription: its id and its order."""

    id: uuid.UUID
    at: datetime


def duplicates(charges: list[Charge]) -> list[uuid.UUID]:
    """Of charges for the same thing, every one but the first (by time, then id) is a duplicate."""
    ordered = sorted(charges, key=lambda c: (c.at, str(c.id)))
    return [c.id for c in ordered[1:]]


def duplicate_refund_key(payment_id: uuid.UUID) -> str:
    """One key per duplicate payment: refunding it twice refunds it once (the worker's
    refund of a duplicate purchase has the same)."""
    return refund_key(payment_id)


# --- emails an agent may send again ---------------------------------------------------------

# Confirmations and receipts; never links that sign in or set a password.
RESENDABLE = frozenset({"purchase_ack", "receipt", "cancellation", "refund", "declaration"})


def can_resend(template: str) -> bool:
    return template in RESENDABLE
