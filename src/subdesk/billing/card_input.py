"""A card as typed, before the processor sees it: ASCII digits, bounded before any reading."""

from __future__ import annotations

from subdesk.billing.gateway import InvalidCard
from subdesk.billing.sandbox import luhn_valid
from subdesk.errors import InvalidRequest
from subdesk.text import is_ascii_digits

# 19 digits with a space or dash between groups of four, and some slack around them.
MAX_TYPED = 32
MAX_EXPIRY_DIGITS = 4


def card_number(typed: str) -> str:
    """The digits of a typed card number (spaces and dashes dropped), or InvalidCard."""
    if len(typed) > MAX_TYPED:
        raise InvalidCard("The card number is not valid.", field="card_number")
    number = "".join(typed.split()).replace("-", "")
    if not (is_ascii_digits(number) and 12 <= len(number) <= 19 and luhn_valid(number)):
        raise InvalidCard("The card number is not valid.", field="card_number")
    return number


def expiry_number(typed: str, field: str) -> int:
    """A typed expiry month or year as a number, or the field's 400."""
    text = typed.strip()
    if not (is_ascii_digits(text) and len(text) <= MAX_EXPIRY_DIGITS):
        raise InvalidRequest("Enter the card's expiry month and year.", field=field)
    return int(text)
