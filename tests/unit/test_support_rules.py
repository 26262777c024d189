"""The support desk's pure rules: roles, the two-person rule, the first-response clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.errors import Conflict, InvalidRequest
from subdesk.support.rules import (
    CaseStatus,
    Category,
    NotAllowed,
    Permission,
    Priority,
    Role,
    allows,
    amount_in,
    case_number,
    check_decision,
    check_exception_amount,
    checked_reason,
    first_response_due,
    initial_priority,
    parse_amount,
    parse_case_number,
    policy_allowance,
    require,
    response_clock,
    split_refund,
    status_after_customer_message,
    status_after_staff_reply,
)

NOW = datetime(2026, 1, 15, 10, 0, tzinfo=UTC)
ASKER, OTHER = uuid.uuid4(), uuid.uuid4()


def test_an_agent_works_customers_and_cases_but_neither_decides_exceptions_nor_manages_staff() -> (
    None
):
    assert allows(Role.AGENT, Permission.REFUND_WITHIN_POLICY)
    assert allows(Role.AGENT, Permission.WORK_CASES)
    assert not allows(Role.AGENT, Permission.DECIDE_EXCEPTION)
    assert not allows(Role.AGENT, Permission.MANAGE_STAFF)


def test_a_supervisor_decides_exceptions_but_only_an_admin_manages_staff() -> None:
    assert allows(Role.SUPERVISOR, Permission.DECIDE_EXCEPTION)
    assert not allows(Role.SUPERVISOR, Permission.MANAGE_STAFF)
    assert allows(Role.ADMIN, Permission.MANAGE_STAFF)


@given(st.sampled_from(list(Permission)))
def test_each_role_can_do_everything_the_role_below_it_can(permission: Permission) -> None:
    assert allows(Role.SUPERVISOR, permission) >= allows(Role.AGENT, permission)
    assert allows(Role.ADMIN, permission) >= allows(Role.SUPERVISOR, permission)


def test_an_unknown_role_may_do_nothing() -> None:
    assert not any(allows("customer", p) for p in Permission)
    with pytest.raises(NotAllowed):
        require("customer", Permission.VIEW_CUSTOMERS)


def test_a_supervisor_approves_someone_elses_pending_exception() -> None:
    check_decision("pending", ASKER, OTHER, Role.SUPERVISOR)


def test_nobody_approves_their_own_exception_not_even_a_supervisor() -> None:
    with pytest.raises(NotAllowed) as refused:
        check_decision("pending", ASKER, ASKER, Role.SUPERVISOR)
    assert refused.value.code == "own_exception"


def test_an_agent_cannot_approve_an_exception() -> None:
    with pytest.raises(NotAllowed):
        check_decision("pending", ASKER, OTHER, Role.AGENT)


def test_an_exception_is_decided_once() -> None:
    with pytest.raises(Conflict):
        check_decision("approved", ASKER, OTHER, Role.ADMIN)


def test_an_exception_never_asks_for_more_than_remains_captured() -> None:
    check_exception_amount(500, 500)
    with pytest.raises(Conflict):
        check_exception_amount(501, 500)
    with pytest.raises(InvalidRequest):
        check_exception_amount(0, 500)


def test_a_pro_rata_allowance_takes_earlier_refunds_off_again() -> None:
    assert policy_allowance(2000, pro_rata=True, already_refunded=500) == 1500
    assert policy_allowance(2999, pro_rata=False, already_refunded=500) == 2999
    assert policy_allowance(300, pro_rata=True, already_refunded=500) == 0


@given(st.integers(0, 10_000), st.lists(st.integers(0, 5_000), max_size=4))
def test_a_refund_is_split_within_each_allowance_or_refused(
    amount: int, allowances: list[int]
) -> None:
    if amount > sum(allowances):
        with pytest.raises(Conflict):
            split_refund(amount, allowances)
        return
    parts = split_refund(amount, allowances)
    assert sum(parts) == amount
    assert all(0 <= p <= a for p, a in zip(parts, allowances, strict=True))


@pytest.mark.parametrize(
    ("priority", "hours"),
    [(Priority.URGENT, 1), (Priority.HIGH, 4), (Priority.NORMAL, 24), (Priority.LOW, 72)],
)
def test_the_first_response_target_depends_on_the_priority(priority: Priority, hours: int) -> None:
    assert first_response_due(NOW, priority) == NOW + timedelta(hours=hours)


def test_the_clock_runs_until_the_target_then_is_breached() -> None:
    due = NOW + timedelta(hours=4)
    assert response_clock(due, None, NOW).state == "running"
    assert response_clock(due, None, NOW).remaining == timedelta(hours=4)
    late = response_clock(due, None, due + timedelta(minutes=5))
    assert (late.state, late.remaining) == ("breached", timedelta(minutes=5))


def test_an_answer_stops_the_clock_as_met_or_missed() -> None:
    due = NOW + timedelta(hours=4)
    assert response_clock(due, NOW + timedelta(hours=1), NOW + timedelta(days=9)).state == "met"
    assert response_clock(due, due + timedelta(seconds=1), NOW).state == "missed"


def test_a_scam_report_starts_with_a_high_priority() -> None:
    assert initial_priority(Category.SCAM_REPORT) is Priority.HIGH
    assert initial_priority(Category.BILLING) is Priority.NORMAL


def test_a_reply_waits_on_the_customer_and_their_answer_reopens_the_case() -> None:
    assert status_after_staff_reply(CaseStatus.NEW) is CaseStatus.WAITING
    assert status_after_customer_message(CaseStatus.WAITING) is CaseStatus.OPEN
    assert status_after_customer_message(CaseStatus.RESOLVED) is CaseStatus.OPEN
    with pytest.raises(Conflict):
        status_after_customer_message(CaseStatus.CLOSED)


@given(st.integers(1, 10**9))
def test_case_numbers_read_back(case_id: int) -> None:
    assert parse_case_number(case_number(case_id)) == case_id
    assert parse_case_number(case_number(case_id).lower()) == case_id


def test_case_numbers_look_like_case_000123() -> None:
    assert case_number(123) == "CASE-000123"
    assert parse_case_number("INV-000123") is None


def test_a_reason_is_required_and_trimmed() -> None:
    assert checked_reason("  asked by phone  ") == "asked by phone"
    with pytest.raises(InvalidRequest):
        checked_reason("   ")
    with pytest.raises(InvalidRequest):
        checked_reason("x" * 1001)


@pytest.mark.parametrize(
    ("text", "currency", "minor"),
    [("29.99", "USD", 2999), ("29,9", "EUR", 2990), ("12", "USD", 1200), ("500", "JPY", 500)],
)
def test_amounts_are_read_in_major_units(text: str, currency: str, minor: int) -> None:
    assert parse_amount(text, currency) == minor


@pytest.mark.parametrize("text", ["", "-1", "1.999", "ten", "12.5.0"])
def test_unreadable_amounts_are_refused(text: str) -> None:
    with pytest.raises(InvalidRequest):
        parse_amount(text, "USD")


def test_an_amount_given_as_money_is_only_taken_in_the_subscriptions_currency() -> None:
    assert amount_in(1999, "usd", "USD") == 1999
    with pytest.raises(InvalidRequest) as refused:
        amount_in(1999, "EUR", "USD")
    assert refused.value.field == "amount.currency"
