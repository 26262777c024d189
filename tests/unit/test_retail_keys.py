"""Retail product keys: format, forgiving reading, and the check symbol that refuses typos."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from subdesk.errors import InvalidRequest
from subdesk.licensing.keys import ALPHABET, BITS, format_key, generate, key_digest, normalise

FORMAT = re.compile(r"^TOTAL5(-[0-9A-HJKMNP-TV-Z]{5}){5}-[0-9A-HJKMNP-TV-Z*~$=U]$")


def test_a_key_is_prefix_five_groups_and_a_check_symbol() -> None:
    assert FORMAT.match(generate("total5"))


def test_keys_are_random() -> None:
    assert len({generate("AV1") for _ in range(1000)}) == 1000


def test_reading_forgives_case_spaces_and_look_alike_letters() -> None:
    key = generate("AV1")
    prefix, body = key.split("-", 1)
    typed = f"{prefix.lower()} " + body.lower().replace("-", " ").replace("1", "l").replace(
        "0", "o"
    )
    assert normalise(typed) == normalise(key)
    assert key_digest(typed) == key_digest(key)


VALUES = st.integers(0, 2**BITS - 1)


@given(VALUES, st.data())
def test_any_single_wrong_character_is_refused(value: int, data: st.DataObject) -> None:
    key = format_key("AV1", value)
    prefix, body = key.split("-", 1)
    positions = [i for i, c in enumerate(body) if c != "-"]
    at = data.draw(st.sampled_from(positions))
    wrong = data.draw(st.sampled_from([c for c in ALPHABET if c != body[at]]))
    typo = f"{prefix}-{body[:at]}{wrong}{body[at + 1 :]}"
    with pytest.raises(InvalidRequest, match="typing mistake|not a product key"):
        normalise(typo)


@given(VALUES, st.data())
def test_two_swapped_neighbours_are_refused(value: int, data: st.DataObject) -> None:
    key = format_key("AV1", value)
    prefix, rest = key.split("-", 1)
    body, check = rest.replace("-", "")[:-1], rest[-1]
    at = data.draw(st.integers(0, len(body) - 2))
    if body[at] == body[at + 1]:
        return
    swapped = body[:at] + body[at + 1] + body[at] + body[at + 2 :]
    with pytest.raises(InvalidRequest, match="typing mistake"):
        normalise(f"{prefix}-{swapped}{check}")


@pytest.mark.parametrize("text", ["", "AV1", "AV1-123", "hello world", "AV1-" + "!" * 26])
def test_things_that_are_not_keys_are_refused(text: str) -> None:
    with pytest.raises(InvalidRequest, match="not a product key"):
        normalise(text)
