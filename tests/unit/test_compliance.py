"""The jurisdiction table: each state's window, and the schedule that lands inside all of them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from subdesk.compliance.rules import (
    ANNUAL_RENEWAL_WINDOWS,
    PRICE_CHANGE_WINDOWS,
    RENEWAL_REMINDER_DAYS,
    TRIAL_ENDING_WINDOWS,
    TRIAL_REMINDER_DAYS,
    NoticeKind,
    days_before,
    due_notices,
    renewal_price,
    windows_for,
)

D = datetime(2027, 1, 15, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("where", "earliest", "latest"),
    [("US-CA", 45, 15), ("US-NY", 45, 15), ("US-CO", 40, 25), ("US-VA", 60, 30), ("US-MA", 30, 5)],
)
def test_annual_renewal_window_of_each_state(where: str, earliest: int, latest: int) -> None:
    (window,) = windows_for(ANNUAL_RENEWAL_WINDOWS, where)
    assert (window.earliest, window.latest) == (earliest, latest)
    assert window.contains(earliest)
    assert window.contains(latest)
    assert not window.contains(earliest + 1)
    assert not window.contains(latest - 1)
    assert window.source


def test_reminders_at_35_and_20_days_satisfy_every_state() -> None:
    for window in ANNUAL_RENEWAL_WINDOWS:
        assert any(window.contains(days) for days in RENEWAL_REMINDER_DAYS), window.jurisdiction


def test_trial_reminder_at_10_days_lands_in_californias_3_to_21() -> None:
    (window,) = windows_for(TRIAL_ENDING_WINDOWS, "US-CA")
    assert window.contains(TRIAL_REMINDER_DAYS)


def test_reminder_is_due_on_its_day_and_records_the_windows_it_satisfied() -> None:
    (notice,) = due_notices(
        NoticeKind.RENEWAL_REMINDER,
        D,
        D - timedelta(days=35),
        (35, 20),
        ANNUAL_RENEWAL_WINDOWS,
        "US-CO",
        frozenset(),
    )
    assert (notice.scheduled_days, notice.actual_days) == (35, 35)
    assert notice.satisfied == ("Colo. Rev. Stat. §6-1-732",)


def test_reminder_is_not_due_before_its_day_nor_twice() -> None:
    early = D - timedelta(days=36)
    assert (
        due_notices(
            NoticeKind.RENEWAL_REMINDER,
            D,
            early,
            (35, 20),
            ANNUAL_RENEWAL_WINDOWS,
            "US-CA",
            frozenset(),
        )
        == []
    )
    on_day = D - timedelta(days=35)
    assert (
        due_notices(
            NoticeKind.RENEWAL_REMINDER,
            D,
            on_day,
            (35, 20),
            ANNUAL_RENEWAL_WINDOWS,
            "US-CA",
            frozenset({35}),
        )
        == []
    )


def test_a_missed_slot_is_not_sent_once_its_window_has_passed() -> None:
    late = D - timedelta(days=22)  # Colorado's window closed at 25 days
    assert (
        due_notices(
            NoticeKind.RENEWAL_REMINDER,
            D,
            late,
            (35,),
            ANNUAL_RENEWAL_WINDOWS,
            "US-CO",
            frozenset(),
        )
        == []
    )


def test_days_before_counts_whole_days() -> None:
    assert days_before(D, D - timedelta(days=35, hours=2)) == 35
    assert days_before(D, D - timedelta(days=34, hours=23)) == 34


@pytest.mark.parametrize(("where", "earliest", "latest"), [("US-CA", 30, 7), ("US-NY", 30, 5)])
def test_price_change_window_of_each_state(where: str, earliest: int, latest: int) -> None:
    (window,) = windows_for(PRICE_CHANGE_WINDOWS, where)
    assert (window.earliest, window.latest) == (earliest, latest)


def test_higher_price_without_notice_is_not_charged() -> None:
    assert renewal_price(4999, 5999, None, "US-CA") == 4999


def test_higher_price_noticed_25_days_ahead_is_charged() -> None:
    assert renewal_price(4999, 5999, 25, "US-CA") == 5999


@pytest.mark.parametrize(
    ("where", "days", "allowed"),
    [("US-CA", 6, False), ("US-NY", 6, True), ("US-NY", 4, False), ("DE", 31, False)],
)
def test_notice_must_land_inside_the_window(where: str, days: int, allowed: bool) -> None:
    assert (renewal_price(4999, 5999, days, where) == 5999) is allowed


def test_lower_price_is_charged_without_notice() -> None:
    assert renewal_price(4999, 3999, None, "US-CA") == 3999
