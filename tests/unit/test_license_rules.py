"""Check-in codes: each from its state, in a fixed precedence; the transfer limit."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.licensing.rules import (
    MESSAGES,
    Code,
    DeviceFacts,
    TransferPolicy,
    next_transfer_at,
    verdict,
)
from subdesk.subscriptions.rules import Status

NOW = datetime(2026, 6, 1, tzinfo=UTC)
END = NOW + timedelta(days=100)
BASE = DeviceFacts(
    removed=False,
    status=Status.ACTIVE,
    seats=3,
    seat_rank=1,
    period_end=END,
    access_ends_at=None,
    grace_ends_at=None,
    auto_renew=True,
)


@pytest.mark.parametrize(
    ("changes", "code", "protected"),
    [
        ({}, Code.ACTIVE, True),
        ({"status": Status.TRIALING}, Code.TRIAL, True),
        ({"status": Status.PAST_DUE, "grace_ends_at": NOW + timedelta(days=3)}, Code.GRACE, True),
        ({"status": Status.PAST_DUE, "grace_ends_at": NOW}, Code.EXPIRED, False),
        ({"status": Status.EXPIRED}, Code.EXPIRED, False),
        ({"status": Status.CANCELED, "access_ends_at": NOW}, Code.CANCELED, False),
        ({"status": Status.CANCELED, "access_ends_at": END}, Code.ACTIVE, True),
        ({"status": Status.SUSPENDED}, Code.SUSPENDED_BY_PROVIDER, False),
        ({"removed": True}, Code.DEVICE_REMOVED, False),
        ({"seat_rank": 4}, Code.TOO_MANY_DEVICES, False),
    ],
)
def test_each_state_has_its_code(changes: dict[str, object], code: Code, protected: bool) -> None:
    found = verdict(replace(BASE, **changes), NOW)  # type: ignore[arg-type]
    assert (found.code, found.protected) == (code, protected)
    assert (found.until is not None) is protected


def test_an_unknown_device_is_not_found() -> None:
    assert verdict(None, NOW).code is Code.NOT_FOUND


def test_a_removed_device_outranks_every_subscription_state() -> None:
    for status in Status:
        assert verdict(replace(BASE, removed=True, status=status), NOW).code is Code.DEVICE_REMOVED


def test_suspension_outranks_too_many_devices_and_grace() -> None:
    facts = replace(BASE, status=Status.SUSPENDED, seat_rank=9)
    assert verdict(facts, NOW).code is Code.SUSPENDED_BY_PROVIDER


def test_too_many_devices_outranks_grace() -> None:
    facts = replace(BASE, status=Status.PAST_DUE, seat_rank=4, grace_ends_at=END)
    assert verdict(facts, NOW).code is Code.TOO_MANY_DEVICES


def test_grace_protects_until_the_grace_period_ends() -> None:
    grace = NOW + timedelta(days=5)
    found = verdict(replace(BASE, status=Status.PAST_DUE, grace_ends_at=grace), NOW)
    assert found.until == grace


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_code_has_a_message_in_each_language(locale: str) -> None:
    assert set(MESSAGES[locale]) == set(Code)


POLICY = TransferPolicy(limit=2, window=timedelta(days=30))


def test_releases_up_to_the_limit_leave_transfers_open() -> None:
    releases = [NOW - timedelta(days=3), NOW - timedelta(days=1)]
    assert next_transfer_at(releases, NOW, POLICY) is None


def test_one_release_over_the_limit_waits_for_the_oldest_to_leave_the_window() -> None:
    releases = [NOW - timedelta(days=1), NOW - timedelta(days=10), NOW - timedelta(days=2)]
    assert next_transfer_at(releases, NOW, POLICY) == NOW + timedelta(days=20)


def test_releases_older_than_the_window_do_not_count() -> None:
    releases = [NOW - timedelta(days=31), NOW - timedelta(days=30), NOW - timedelta(days=1)]
    assert next_transfer_at(releases, NOW, POLICY) is None


def test_a_limit_of_zero_allows_no_transfer_inside_the_window() -> None:
    policy = TransferPolicy(limit=0, window=timedelta(days=30))
    assert next_transfer_at([NOW - timedelta(days=29)], NOW, policy) == NOW + timedelta(days=1)
    assert next_transfer_at([], NOW, policy) is None


@given(
    ages=st.lists(st.integers(min_value=0, max_value=60 * 24 * 45), max_size=30),
    limit=st.integers(min_value=0, max_value=12),
)
def test_the_next_transfer_is_the_first_moment_the_window_holds_no_more_than_the_limit(
    ages: list[int], limit: int
) -> None:
    policy = TransferPolicy(limit=limit, window=timedelta(days=30))
    releases = [NOW - timedelta(minutes=age) for age in ages]

    def in_window(at: datetime) -> int:
        return sum(1 for r in releases if r > at - policy.window)

    found = next_transfer_at(releases, NOW, policy)
    if found is None:
        assert in_window(NOW) <= limit
    else:
        assert found > NOW
        assert in_window(found) <= limit
        assert in_window(found - timedelta(microseconds=1)) > limit
        assert next_transfer_at(releases, found, policy) is None
