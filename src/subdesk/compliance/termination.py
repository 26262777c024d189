"""Cancellation declared online without signing in (Germany, § 312k BGB): what it covers and
how it takes effect.

Source: § 312k BGB (in force since 1 July 2022) — a "cancel contracts here" button
reachable at all times, a page asking only for what identifies the person and the
contract, a "cancel now" button, and an immediate confirmation by email with the
content of the declaration, the date and time it was received, and when the
contract ends. An ordinary notice ends the contract at the next possible date; an
extraordinary one (for an important reason) is examined by a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Kind(StrEnum):
    ORDINARY = "ordinary"  # ordentliche Kündigung: at the next possible date
    EXTRAORDINARY = "extraordinary"  # außerordentliche Kündigung: for an important reason


@dataclass(frozen=True, slots=True)
class Outcome:
    """The renewal stops at once; `review` when a person must still decide something."""

    ends_at: datetime
    review: bool


def covers(contract: str | None, subscription_id: str, plan_code: str, plan_name: str) -> bool:
    """An empty contract field means every contract; otherwise the contract number (the
    start of the subscription ID is enough), the plan's code, or words of its name."""
    wanted = (contract or "").strip().lower()
    if not wanted:
        return True
    if len(wanted) >= 8 and subscription_id.lower().startswith(wanted):
        return True
    return wanted == plan_code.lower() or wanted in plan_name.lower()


def outcome(kind: Kind, requested_end: datetime | None, period_end: datetime) -> Outcome:
    """Renewal stops now, so nothing is charged again; the contract ends at the end of the
    paid term, the next possible date. A later wish, or an extraordinary notice, goes to a
    person, who may end it differently."""
    later_wish = requested_end is not None and requested_end > period_end
    return Outcome(ends_at=period_end, review=kind is Kind.EXTRAORDINARY or later_wish)
