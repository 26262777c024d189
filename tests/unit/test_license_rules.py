"""Check-in codes: each from its state, in a fixed precedence."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from subdesk.licensing.rules import MESSAGES, Code, DeviceFacts, verdict
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
