"""Duplicate charges, as pure rules: the first charge stays, every later one is a duplicate."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from subdesk.support.rules import Charge, duplicate_refund_key, duplicates

T0 = datetime(2026, 11, 23, tzinfo=UTC)


def test_the_earliest_charge_stays_and_the_later_ones_are_duplicates() -> None:
    first, second, third = (Charge(uuid.uuid4(), T0 + timedelta(minutes=m)) for m in (0, 5, 1))
    assert duplicates([second, first, third]) == [third.id, second.id]


def test_a_single_charge_is_no_duplicate() -> None:
    assert duplicates([Charge(uuid.uuid4(), T0)]) == []


@given(st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=12))
def test_exactly_one_charge_of_a_group_is_kept(minutes: list[int]) -> None:
    charges = [Charge(uuid.uuid4(), T0 + timedelta(minutes=m)) for m in minutes]
    extra = duplicates(charges)
    assert len(extra) == len(charges) - 1
    assert len(set(extra)) == len(extra)
    assert duplicates(list(reversed(charges))) == extra  # the order given does not matter


def test_a_duplicate_has_one_refund_key_however_often_it_is_refunded() -> None:
    payment = uuid.uuid4()
    assert duplicate_refund_key(payment) == duplicate_refund_key(payment) == f"duplicate:{payment}"
