"""The subscription state machine, entitlement and plan-change rules."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.errors import Conflict
from subdesk.subscriptions.rules import (
    FINAL,
    Entitlement,
    IllegalTransition,
    PlanChange,
    PlanTerms,
    Status,
    Transition,
    can_change_auto_renew,
    classify_plan_change,
    entitlement,
    next_status,
    prorated_charge,
)

S, T = Status, Transition

# Written out by hand from the state diagram, so the table in the module is checked, not copied.
LEGAL: dict[tuple[Status, Transition], Status] = {
    (S.TRIALING, T.CONVERT): S.ACTIVE,
    (S.TRIALING, T.PAYMENT_FAILED): S.PAST_DUE,
    (S.TRIALING, T.SUSPEND): S.SUSPENDED,
    (S.TRIALING, T.CANCEL): S.CANCELED,
    (S.TRIALING, T.EXPIRE): S.EXPIRED,
    (S.ACTIVE, T.RENEW): S.ACTIVE,
    (S.ACTIVE, T.PAYMENT_FAILED): S.PAST_DUE,
    (S.ACTIVE, T.SUSPEND): S.SUSPENDED,
    (S.ACTIVE, T.CANCEL): S.CANCELED,
    (S.ACTIVE, T.EXPIRE): S.EXPIRED,
    (S.PAST_DUE, T.PAYMENT_FAILED): S.PAST_DUE,
    (S.PAST_DUE, T.RECOVER): S.ACTIVE,
    (S.PAST_DUE, T.SUSPEND): S.SUSPENDED,
    (S.PAST_DUE, T.CANCEL): S.CANCELED,
    (S.PAST_DUE, T.EXPIRE): S.EXPIRED,
    (S.SUSPENDED, T.RESUME): S.ACTIVE,
    (S.SUSPENDED, T.CANCEL): S.CANCELED,
    (S.SUSPENDED, T.EXPIRE): S.EXPIRED,
}
ILLEGAL = [(s, t) for s in Status for t in Transition if (s, t) not in LEGAL]

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
PERIOD_START = datetime(2026, 2, 1, tzinfo=UTC)
PERIOD_END = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.mark.parametrize(("current", "transition"), list(LEGAL))
def test_legal_transition_leads_to_the_expected_status(
    current: Status, transition: Transition
) -> None:
    assert next_status(current, transition) is LEGAL[(current, transition)]


@pytest.mark.parametrize(("current", "transition"), ILLEGAL)
def test_illegal_transition_is_refused(current: Status, transition: Transition) -> None:
    with pytest.raises(IllegalTransition, match=f"a {current.value} subscription cannot"):
        next_status(current, transition)


def test_illegal_transition_is_a_409_conflict_naming_the_status_field() -> None:
    with pytest.raises(IllegalTransition) as caught:
        next_status(S.CANCELED, T.RESUME)
    error = caught.value
    assert isinstance(error, Conflict)
    assert error.status == 409
    assert error.code == "illegal_transition"
    assert error.field == "status"
    assert error.as_body()["error"]["code"] == "illegal_transition"


@pytest.mark.parametrize("final", sorted(FINAL))
def test_final_status_has_no_outgoing_transition(final: Status) -> None:
    for transition in Transition:
        with pytest.raises(IllegalTransition):
            next_status(final, transition)


def test_final_statuses_are_canceled_and_expired() -> None:
    assert frozenset({S.CANCELED, S.EXPIRED}) == FINAL


@given(st.lists(st.sampled_from(Transition), max_size=40))
def test_random_transitions_from_trialing_stay_in_status_and_never_leave_a_final_state(
    transitions: list[Transition],
) -> None:
    status = S.TRIALING
    for transition in transitions:
        try:
            after = next_status(status, transition)
        except IllegalTransition:
            continue
        assert isinstance(after, Status)
        assert status not in FINAL, f"{status} moved to {after} by {transition}"
        status = after
    assert status in Status


@pytest.mark.parametrize("status", [S.TRIALING, S.ACTIVE, S.PAST_DUE, S.SUSPENDED])
def test_auto_renew_can_change_while_live(status: Status) -> None:
    assert can_change_auto_renew(status)


@pytest.mark.parametrize("status", sorted(FINAL))
def test_auto_renew_cannot_change_once_final(status: Status) -> None:
    assert not can_change_auto_renew(status)


@pytest.mark.parametrize("status", [S.TRIALING, S.ACTIVE, S.PAST_DUE])
def test_live_subscription_is_protected_until_period_end(status: Status) -> None:
    assert entitlement(status, PERIOD_END, None, NOW) == Entitlement(True, PERIOD_END)


def test_canceled_subscription_is_protected_until_access_ends_in_the_future() -> None:
    access_ends = NOW + timedelta(days=3)
    assert entitlement(S.CANCELED, PERIOD_END, access_ends, NOW) == Entitlement(True, access_ends)


def test_canceled_subscription_whose_access_has_ended_is_not_protected() -> None:
    ended = NOW - timedelta(seconds=1)
    assert entitlement(S.CANCELED, PERIOD_END, ended, NOW) == Entitlement(False, None)


def test_canceled_subscription_is_not_protected_at_the_instant_access_ends() -> None:
    assert entitlement(S.CANCELED, PERIOD_END, NOW, NOW) == Entitlement(False, None)


def test_canceled_subscription_without_access_end_is_not_protected() -> None:
    assert entitlement(S.CANCELED, PERIOD_END, None, NOW) == Entitlement(False, None)


@pytest.mark.parametrize("status", [S.SUSPENDED, S.EXPIRED])
def test_suspended_or_expired_subscription_is_not_protected(status: Status) -> None:
    future = NOW + timedelta(days=10)
    assert entitlement(status, future, future, NOW) == Entitlement(False, None)


def terms(
    seats: int = 1,
    services: tuple[str, ...] = ("antivirus",),
    period: str = "year",
    price: int = 5000,
    currency: str = "USD",
) -> PlanTerms:
    return PlanTerms(seats, frozenset(services), period, price, currency)


def test_more_seats_at_a_higher_price_is_an_upgrade_now() -> None:
    assert (
        classify_plan_change(terms(seats=1), terms(seats=5, price=8000)) is PlanChange.UPGRADE_NOW
    )


def test_more_services_at_the_same_price_is_an_upgrade_now() -> None:
    new = terms(services=("antivirus", "vpn"))
    assert classify_plan_change(terms(), new) is PlanChange.UPGRADE_NOW


def test_fewer_seats_waits_for_the_period_end() -> None:
    assert classify_plan_change(terms(seats=5), terms(seats=1, price=3000)) is (
        PlanChange.AT_PERIOD_END
    )


def test_more_seats_at_a_lower_price_waits_for_the_period_end() -> None:
    assert classify_plan_change(terms(seats=1), terms(seats=5, price=4000)) is (
        PlanChange.AT_PERIOD_END
    )


def test_swapping_services_waits_for_the_period_end() -> None:
    new = terms(services=("vpn",), price=6000)
    assert classify_plan_change(terms(), new) is PlanChange.AT_PERIOD_END


def test_a_price_change_alone_waits_for_the_period_end() -> None:
    assert classify_plan_change(terms(), terms(price=6000)) is PlanChange.AT_PERIOD_END


def test_changing_the_period_waits_for_the_period_end() -> None:
    new = terms(seats=5, period="month", price=9000)
    assert classify_plan_change(terms(), new) is PlanChange.AT_PERIOD_END


def test_changing_the_currency_waits_for_the_period_end() -> None:
    new = terms(seats=5, price=9000, currency="EUR")
    assert classify_plan_change(terms(), new) is PlanChange.AT_PERIOD_END


def test_changing_to_the_same_plan_is_refused() -> None:
    with pytest.raises(IllegalTransition, match="already the plan") as caught:
        classify_plan_change(terms(), terms())
    assert caught.value.code == "same_plan"
    assert caught.value.field == "plan_id"


def test_upgrade_with_half_the_period_left_charges_half_the_difference() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=30)
    assert prorated_charge(5000, 8000, start, end, start + timedelta(days=15)) == 1500


def test_upgrade_at_the_period_start_charges_the_whole_difference() -> None:
    assert prorated_charge(5000, 8000, PERIOD_START, PERIOD_END, PERIOD_START) == 3000


def test_prorated_charge_rounds_down_to_a_whole_minor_unit() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    end = start + timedelta(days=3)
    charge = prorated_charge(0, 100, start, end, start + timedelta(days=2))
    assert charge == 33
    assert isinstance(charge, int)


def test_upgrade_after_the_period_end_charges_nothing() -> None:
    after = PERIOD_END + timedelta(days=1)
    assert prorated_charge(5000, 8000, PERIOD_START, PERIOD_END, after) == 0


def test_cheaper_plan_charges_nothing_and_never_credits() -> None:
    midway = PERIOD_START + timedelta(days=10)
    assert prorated_charge(8000, 5000, PERIOD_START, PERIOD_END, midway) == 0


def test_empty_period_charges_nothing() -> None:
    assert prorated_charge(5000, 8000, PERIOD_END, PERIOD_END, PERIOD_END) == 0


@given(
    old=st.integers(0, 10**7),
    new=st.integers(0, 10**7),
    elapsed=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=400)),
)
def test_prorated_charge_is_between_zero_and_the_price_difference(
    old: int, new: int, elapsed: timedelta
) -> None:
    charge = prorated_charge(old, new, PERIOD_START, PERIOD_END, PERIOD_START + elapsed)
    assert 0 <= charge <= max(0, new - old)
