"""Money and dates as a person reads them, in their language (Babel)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from babel.dates import format_date, format_time
from babel.numbers import format_currency

from subdesk.money import CURRENCY_EXPONENTS, Money


def money(value: Money, locale: str) -> str:
    amount = Decimal(value.amount).scaleb(-CURRENCY_EXPONENTS[value.currency])
    return format_currency(amount, value.currency, locale=locale)


def day(value: datetime, locale: str) -> str:
    return format_date(value, format="long", locale=locale)


def moment(value: datetime, locale: str) -> str:
    """A date and a 24-hour time, always marked UTC."""
    time = format_time(value, "HH:mm", tzinfo=value.tzinfo, locale=locale)
    return f"{day(value, locale)}, {time} UTC"
