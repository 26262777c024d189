"""Money and dates as a person reads them, in their language (Babel).

Emails are queued with typed values (`money(...)`, `day(...)`, `moment(...)`)
and put into words when they are sent, so queueing one costs next to nothing.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from functools import cache
from typing import Any

from babel import Locale
from babel.dates import format_date, format_time
from babel.numbers import format_currency

from subdesk.money import CURRENCY_EXPONENTS, Money


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def format_money(value: Money, locale: str) -> str:
    amount = Decimal(value.amount).scaleb(-CURRENCY_EXPONENTS[value.currency])
    return format_currency(amount, value.currency, locale=_locale(locale))


def format_day(value: datetime, locale: str) -> str:
    return format_date(value, format="long", locale=_locale(locale))


def format_moment(value: datetime, locale: str) -> str:
    """A date and a 24-hour time, always marked UTC."""
    time = format_time(value, "HH:mm", tzinfo=value.tzinfo, locale=_locale(locale))
    return f"{format_day(value, locale)}, {time} UTC"


def money(value: Money) -> dict[str, Any]:
    return {"$money": [value.amount, value.currency]}


def day(value: datetime) -> dict[str, Any]:
    return {"$day": value.isoformat()}


def moment(value: datetime) -> dict[str, Any]:
    return {"$moment": value.isoformat()}


def localise(context: dict[str, Any], locale: str) -> dict[str, Any]:
    """The context with every typed value put into words for `locale`."""
    return {key: _words(value, locale) for key, value in context.items()}


def _words(value: Any, locale: str) -> Any:
    if isinstance(value, list):
        return [_words(item, locale) for item in value]
    if not isinstance(value, dict):
        return value
    if len(value) != 1:
        return {key: _words(item, locale) for key, item in value.items()}
    ((kind, raw),) = value.items()
    if kind == "$money":
        return format_money(Money(raw[0], raw[1]), locale)
    if kind == "$day":
        return format_day(datetime.fromisoformat(raw), locale)
    if kind == "$moment":
        return format_moment(datetime.fromisoformat(raw), locale)
    return {kind: _words(raw, locale)}
