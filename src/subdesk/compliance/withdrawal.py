"""The EU right of withdrawal: 14 days from the contract, with everything paid refunded.

Source: Directive 2011/83/EU, Art. 9 (14 days from the conclusion of a service
contract) and Art. 13 (reimbursement of all payments); Directive (EU) 2023/2673,
Art. 11a (a "withdraw from contract here" function online, then a confirm step,
then an acknowledgment on a durable medium), applicable from 19 June 2026.
"""

from __future__ import annotations

from datetime import datetime, timedelta

WITHDRAWAL_DAYS = 14
EU_COUNTRIES = frozenset(
    ("AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU")
    + ("IE", "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK")
)


def withdrawal_deadline(started_at: datetime) -> datetime:
    return started_at + timedelta(days=WITHDRAWAL_DAYS)


def withdrawal_open(country: str, started_at: datetime, now: datetime) -> bool:
    """True while a customer in the EU may still withdraw from this contract."""
    return country.upper() in EU_COUNTRIES and now < withdrawal_deadline(started_at)
