"""The test clock: stands still until moved; only aware times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from subdesk.clock import SystemClock, TestClock, ensure_utc

START = datetime(2026, 1, 15, tzinfo=UTC)


def test_test_clock_stands_still() -> None:
    clock = TestClock(START)
    assert clock.now() == START
    assert clock.now() == START


def test_advance_moves_the_clock_and_returns_the_new_time() -> None:
    clock = TestClock(START)
    assert clock.advance(timedelta(days=2, hours=3)) == datetime(2026, 1, 17, 3, tzinfo=UTC)
    assert clock.now() == datetime(2026, 1, 17, 3, tzinfo=UTC)


def test_set_jumps_to_the_given_time() -> None:
    clock = TestClock(START)
    clock.set(datetime(2027, 6, 1, tzinfo=UTC))
    assert clock.now() == datetime(2027, 6, 1, tzinfo=UTC)


def test_set_converts_another_timezone_to_utc() -> None:
    clock = TestClock(START)
    clock.set(datetime(2026, 3, 1, 9, tzinfo=timezone(timedelta(hours=2))))
    assert clock.now() == datetime(2026, 3, 1, 7, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_start_in_another_timezone_is_held_in_utc() -> None:
    clock = TestClock(datetime(2026, 1, 15, 1, tzinfo=timezone(timedelta(hours=-5))))
    assert clock.now() == datetime(2026, 1, 15, 6, tzinfo=UTC)
    assert clock.now().tzinfo is UTC


def test_naive_start_is_refused() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        TestClock(datetime(2026, 1, 15))


def test_naive_set_is_refused_and_leaves_the_clock_alone() -> None:
    clock = TestClock(START)
    with pytest.raises(ValueError, match="naive datetime"):
        clock.set(datetime(2026, 2, 1))
    assert clock.now() == START


def test_ensure_utc_refuses_naive_datetimes() -> None:
    with pytest.raises(ValueError, match="naive datetime"):
        ensure_utc(datetime(2026, 1, 1))


def test_system_clock_is_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC
