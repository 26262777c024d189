"""Stripe's form encoding as the sandbox processor reads it."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.billing.processor.errors import ApiError
from subdesk.billing.processor.forms import parse_form


def test_brackets_nest() -> None:
    form = b"amount=10&metadata[attempt]=a1&card[number]=4242&card[exp_month]=12"
    assert parse_form(form) == {
        "amount": "10",
        "metadata": {"attempt": "a1"},
        "card": {"number": "4242", "exp_month": "12"},
    }


def test_empty_brackets_make_a_list() -> None:
    assert parse_form("expand[]=a&expand[]=b") == {"expand": ["a", "b"]}


def test_empty_body_is_no_parameters() -> None:
    assert parse_form(b"") == {}


@pytest.mark.parametrize("form", ["a=1&a=2", "a=1&a[b]=2", "a[b]=1&a=2", "a=1&a[]=2", "[x]=1"])
def test_conflicting_or_nameless_parameters_are_refused(form: str) -> None:
    with pytest.raises(ApiError) as caught:
        parse_form(form)
    assert caught.value.status == 400


@given(st.binary(max_size=200))
def test_any_body_parses_or_is_a_400(body: bytes) -> None:
    status = 200
    try:
        parse_form(body)
    except ApiError as error:
        status = error.status
    assert status in (200, 400)
