"""Add-ons follow their main subscription: renew only while it renews, end with it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from subdesk.subscriptions.addon_rules import (
    AddonStep,
    MainPlan,
    addon_may_renew,
    addon_step,
    can_renew_again,
    follows_main_now,
    latest_end,
    main_plan,
)
from subdesk.subscriptions.rules import FINAL, Status

NOW = datetime(2026, 6, 1, tzinfo=UTC)
DAY = timedelta(days=1)


def _main(status: Status = Status.ACTIVE, auto_renew: bool = True, ends: int = 30) -> MainPlan:
    return MainPlan(status, auto_renew, NOW + ends * DAY)


def test_an_add_on_renews_only_while_its_main_plan_renews() -> None:
    assert addon_may_renew(_main())
    assert addon_may_renew(_main(Status.TRIALING))
    assert addon_may_renew(_main(Status.PAST_DUE))
    assert not addon_may_renew(_main(auto_renew=False))
    assert not addon_may_renew(_main(Status.SUSPENDED))
    assert not addon_may_renew(_main(Status.CANCELED, auto_renew=False))
    assert not addon_may_renew(None)


def test_the_main_plans_end_is_the_end_it_was_given_else_its_period_end() -> None:
    assert main_plan("active", False, NOW, NOW - DAY).ends_at == NOW - DAY
    assert main_plan("active", True, NOW, None).ends_at == NOW


def test_an_add_on_never_protects_past_its_main_plan() -> None:
    main = _main(auto_renew=False, ends=30)
    assert latest_end(main, NOW + 300 * DAY) == main.ends_at
    assert latest_end(main, NOW + 10 * DAY) == NOW + 10 * DAY


def test_a_main_plan_that_ended_ends_its_add_ons_now_one_that_stops_renewing_at_its_end() -> None:
    assert follows_main_now(_main(Status.CANCELED, auto_renew=False))
    assert follows_main_now(_main(Status.EXPIRED, auto_renew=False))
    assert not follows_main_now(_main(auto_renew=False))


def test_an_add_on_can_be_turned_back_on_once_its_main_plan_renews_again() -> None:
    assert can_renew_again(_main(), Status.ACTIVE, auto_renew=False)
    assert not can_renew_again(_main(), Status.ACTIVE, auto_renew=True)
    assert not can_renew_again(_main(auto_renew=False), Status.ACTIVE, auto_renew=False)
    assert not can_renew_again(_main(), Status.CANCELED, auto_renew=False)


def test_the_worker_ends_an_add_on_at_its_period_end_when_its_main_plan_stops() -> None:
    stops = _main(auto_renew=False, ends=60)
    assert addon_step(stops, period_end=NOW, access_ends_at=None, now=NOW) is AddonStep.END
    assert addon_step(stops, period_end=NOW + DAY, access_ends_at=NOW, now=NOW) is AddonStep.END
    later = addon_step(stops, period_end=NOW + DAY, access_ends_at=None, now=NOW)
    assert later is AddonStep.WAIT


def test_the_worker_cancels_an_add_on_still_running_when_its_main_plan_ended() -> None:
    ended = _main(Status.EXPIRED, auto_renew=False, ends=0)
    running = addon_step(ended, period_end=NOW + 200 * DAY, access_ends_at=None, now=NOW)
    assert running is AddonStep.CANCEL_NOW
    planned = addon_step(ended, period_end=NOW + 200 * DAY, access_ends_at=NOW, now=NOW)
    assert planned is AddonStep.END
    assert addon_step(None, period_end=NOW, access_ends_at=None, now=NOW) is AddonStep.END


def test_an_add_on_of_a_renewing_main_plan_is_renewed_as_due() -> None:
    step = addon_step(_main(), period_end=NOW, access_ends_at=None, now=NOW)
    assert step is AddonStep.AS_DUE


@given(
    status=st.sampled_from(list(Status)),
    auto_renew=st.booleans(),
    main_ends=st.integers(-400, 400),
    addon_ends=st.integers(-400, 400),
    given_end=st.none() | st.integers(-400, 400),
)
def test_the_worker_charges_an_add_on_only_while_its_main_plan_renews(
    status: Status, auto_renew: bool, main_ends: int, addon_ends: int, given_end: int | None
) -> None:
    main = MainPlan(status, auto_renew, NOW + main_ends * DAY)
    step = addon_step(
        main,
        period_end=NOW + addon_ends * DAY,
        access_ends_at=None if given_end is None else NOW + given_end * DAY,
        now=NOW,
    )
    # Only AS_DUE leads to a charge; it is only ever the answer while the main plan renews.
    assert (step is AddonStep.AS_DUE) == addon_may_renew(main)
    if status in FINAL:
        assert step in (AddonStep.END, AddonStep.CANCEL_NOW)
