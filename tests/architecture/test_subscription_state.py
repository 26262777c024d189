"""Issue 19: the worker's plain copy of a subscription (`ClaimedSubscription`) is exactly what
the renewal rules read and write (`SubscriptionState`), and both are the table's columns."""

from __future__ import annotations

from dataclasses import fields
from typing import get_type_hints

from subdesk.models import Subscription
from subdesk.subscriptions import state
from subdesk.worker import claims


def test_the_claimed_copy_has_every_field_of_the_state_with_its_type() -> None:
    declared = get_type_hints(state.SubscriptionState, vars(state))
    copied = get_type_hints(claims.ClaimedSubscription, vars(claims))
    assert copied == declared


def test_the_state_is_the_tables_columns_but_what_renewals_never_touch() -> None:
    untouched = {"created_at", "second_purchase_confirmed"}
    columns = {column.name for column in Subscription.__table__.columns} - untouched
    assert {field.name for field in fields(claims.ClaimedSubscription)} == columns
    assert set(claims.COLUMNS) == columns
