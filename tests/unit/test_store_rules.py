"""Store notifications onto subscription state: the mapping, and merging in any order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import reduce

from hypothesis import given
from hypothesis import strategies as st

from subdesk.channels.stores.rules import (
    EXPIRY_SLACK,
    RESTART,
    Observation,
    Phase,
    StoreState,
    Target,
    apple_observation,
    from_millis,
    google_observation,
    merge,
    plan_code_for,
    step,
    target,
    with_expiry,
)
from subdesk.subscriptions.periods import Period
from subdesk.subscriptions.rules import Status, Transition

T0 = datetime(2026, 1, 31, 12, 0, tzinfo=UTC)


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def fold(observations: list[Observation]) -> StoreState:
    return reduce(merge, observations, StoreState())


observations = st.builds(
    Observation,
    at=st.integers(0, 40).map(day),
    phase=st.none() | st.sampled_from(Phase),
    expires_at=st.none() | st.integers(0, 80).map(day),
    auto_renew=st.none() | st.booleans(),
    grace_until=st.none() | st.integers(0, 80).map(day),
)


@given(st.lists(observations, max_size=8), st.randoms())
def test_merging_notifications_in_any_order_gives_the_same_state(
    seen: list[Observation], random: object
) -> None:
    shuffled = list(seen)
    random.shuffle(shuffled)  # type: ignore[attr-defined]
    assert fold(shuffled) == fold(seen)


@given(st.lists(observations, min_size=1, max_size=6))
def test_a_repeated_notification_changes_nothing(seen: list[Observation]) -> None:
    state = fold(seen)
    assert merge(state, seen[0]) == state


def test_a_late_notification_does_not_override_a_newer_one() -> None:
    newer = fold([Observation(day(10), Phase.ACTIVE, day(40), auto_renew=False)])
    late = merge(newer, Observation(day(5), Phase.GRACE, day(20), auto_renew=True))
    assert (late.phase, late.auto_renew, late.expires_at) == (Phase.ACTIVE, False, day(40))


def test_a_late_renewal_still_moves_the_expiry_forward() -> None:
    canceled = fold(
        [Observation(day(0), Phase.ACTIVE, day(30)), Observation(day(35), None, None, False)]
    )
    renewed = merge(canceled, Observation(day(30), Phase.ACTIVE, day(60), auto_renew=True))
    assert (renewed.expires_at, renewed.auto_renew) == (day(60), False)


def test_google_periods_start_at_the_event_and_last_a_plan_period() -> None:
    bought = google_observation(T0, "SUBSCRIPTION_PURCHASED", timedelta(days=7))
    assert bought is not None
    assert with_expiry(bought, Period.MONTH).expires_at == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert with_expiry(bought, None).expires_at is None


def test_google_types_map_to_phases_and_flags() -> None:
    grace = google_observation(T0, "SUBSCRIPTION_IN_GRACE_PERIOD", timedelta(days=7))
    assert grace == Observation(T0, Phase.GRACE, grace_until=day(7))
    assert google_observation(T0, "SUBSCRIPTION_CANCELED", timedelta(0)) == Observation(
        T0, auto_renew=False
    )
    assert google_observation(T0, "SUBSCRIPTION_RESTARTED", timedelta(0)) == Observation(
        T0, auto_renew=True
    )
    revoked = google_observation(T0, "SUBSCRIPTION_REVOKED", timedelta(0))
    assert revoked is not None
    assert revoked.phase is Phase.REVOKED
    assert google_observation(T0, "SUBSCRIPTION_PAUSED", timedelta(0)) is None


def test_apple_failed_renewal_is_grace_with_the_subtype_and_on_hold_without() -> None:
    facts = {"expires_at": day(30), "auto_renew": True, "grace_until": day(46)}
    grace = apple_observation(day(30), "DID_FAIL_TO_RENEW", "GRACE_PERIOD", 4, **facts)
    retry = apple_observation(day(30), "DID_FAIL_TO_RENEW", None, 3, **facts)
    assert grace is not None
    assert (grace.phase, grace.grace_until) == (Phase.GRACE, day(46))
    assert retry is not None
    assert retry.phase is Phase.ON_HOLD


def test_apple_renewal_status_subtype_sets_auto_renew_and_status_gives_the_phase() -> None:
    off = apple_observation(
        day(3),
        "DID_CHANGE_RENEWAL_STATUS",
        "AUTO_RENEW_DISABLED",
        1,
        expires_at=day(30),
        auto_renew=None,
        grace_until=None,
    )
    assert off == Observation(day(3), Phase.ACTIVE, day(30), auto_renew=False)


def test_apple_refund_revokes_and_test_notifications_say_nothing() -> None:
    refund = apple_observation(
        day(9), "REFUND", None, 5, expires_at=day(30), auto_renew=True, grace_until=None
    )
    assert refund is not None
    assert (refund.phase, refund.auto_renew) == (Phase.REVOKED, False)
    assert (
        apple_observation(
            day(9), "TEST", None, None, expires_at=None, auto_renew=None, grace_until=None
        )
        is None
    )


def state(phase: Phase, **fields: object) -> StoreState:
    base = {"phase": phase, "phase_at": day(10), "expires_at": day(30), "auto_renew": True}
    return StoreState(**{**base, **fields})  # type: ignore[arg-type]


def test_active_targets_active_until_the_expiry_plus_slack() -> None:
    goal = target(state(Phase.ACTIVE, auto_renew=False))
    assert goal == Target(Status.ACTIVE, day(30), False, None, day(30), day(30) + EXPIRY_SLACK)


def test_grace_targets_past_due_until_the_grace_ends() -> None:
    goal = target(state(Phase.GRACE, grace_until=day(46)))
    assert goal is not None
    assert (goal.status, goal.grace_ends_at) == (Status.PAST_DUE, day(46))


def test_on_hold_is_past_due_whose_grace_is_over() -> None:
    goal = target(state(Phase.ON_HOLD, phase_at=day(35), grace_until=day(46)))
    assert goal is not None
    assert (goal.status, goal.grace_ends_at) == (Status.PAST_DUE, day(35))


def test_revoked_is_canceled_with_access_ending_at_the_revocation() -> None:
    goal = target(state(Phase.REVOKED, phase_at=day(12)))
    assert goal is not None
    assert (goal.status, goal.access_ends_at, goal.next_action_at) == (
        Status.CANCELED,
        day(12),
        None,
    )


def test_expired_ends_and_nothing_is_targeted_before_the_store_said_enough() -> None:
    goal = target(state(Phase.EXPIRED, phase_at=day(31)))
    assert goal is not None
    assert (goal.status, goal.access_ends_at) == (Status.EXPIRED, day(30))
    assert target(StoreState(auto_renew=False, auto_renew_at=day(1))) is None


def goal_of(phase: Phase, **fields: object) -> Target:
    goal = target(state(phase, **fields))
    assert goal is not None
    return goal


def test_a_later_expiry_renews_and_a_recovery_recovers() -> None:
    renewal = step(Status.ACTIVE, day(0), True, goal_of(Phase.ACTIVE))
    assert renewal is not None
    assert (renewal.transition, renewal.webhook) == (
        Transition.RENEW,
        "subscription.renewed",
    )
    recovery = step(Status.PAST_DUE, day(0), True, goal_of(Phase.ACTIVE))
    assert recovery is not None
    assert recovery.transition is Transition.RECOVER


def test_only_the_flag_changing_is_an_auto_renew_step_without_transition() -> None:
    off = step(Status.ACTIVE, day(30), True, goal_of(Phase.ACTIVE, auto_renew=False))
    assert off is not None
    assert (off.transition, off.action) == (
        None,
        "subscription.auto_renew_disabled",
    )
    assert step(Status.ACTIVE, day(30), True, goal_of(Phase.ACTIVE)) is None


def test_failures_refunds_and_expiry_use_the_state_machine_transitions() -> None:
    failed = step(Status.ACTIVE, day(30), True, goal_of(Phase.GRACE))
    refunded = step(Status.ACTIVE, day(30), True, goal_of(Phase.REVOKED))
    expired = step(Status.PAST_DUE, day(30), True, goal_of(Phase.EXPIRED))
    assert failed is not None
    assert failed.transition is Transition.PAYMENT_FAILED
    assert refunded is not None
    assert refunded.transition is Transition.CANCEL
    assert expired is not None
    assert expired.transition is Transition.EXPIRE


def test_a_final_subscription_restarts_only_for_a_later_live_period() -> None:
    assert step(Status.EXPIRED, day(0), False, goal_of(Phase.ACTIVE)) is RESTART
    assert step(Status.EXPIRED, day(30), False, goal_of(Phase.ACTIVE)) is None
    assert step(Status.CANCELED, day(0), False, goal_of(Phase.EXPIRED)) is None


def test_store_millis_become_aware_utc() -> None:
    assert from_millis(1_767_225_600_123) == datetime(2026, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)
    assert from_millis("1767225600000") == datetime(2026, 1, 1, tzinfo=UTC)
    assert from_millis("soon") is None
    assert from_millis(True) is None


def test_store_products_map_to_plans_or_are_plan_codes() -> None:
    products = {"com.example.total5.monthly": "total5-month-usd"}
    assert plan_code_for("com.example.total5.monthly", products) == "total5-month-usd"
    assert plan_code_for("av1-year-usd", products) == "av1-year-usd"
