"""Add-ons follow their main subscription: they end with it and on its terms, never renew
past it, and renew again only once it does and the customer turns each back on.

An add-on is bought beside a main subscription and is of no use without it, so:
- the main plan ends (now, at its period end, expired, withdrawn, closed, canceled by
  its provider or store): each add-on ends the same way, no later than the main plan,
  with the refund policy applied to the add-on's own charges;
- the main plan stops renewing: each add-on stops renewing and ends with it;
- the main plan renews again: each add-on may be turned back on, one by one; an add-on's
  renewal cannot be turned on while its main plan does not renew;
- the worker never charges an add-on whose main plan does not renew: it ends it instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from subdesk.subscriptions.rules import FINAL, LIVE, Status

# A main plan in one of these that auto-renews goes on past its period; a suspended one
# (by its provider) protects nothing and may never come back.
RENEWING = frozenset({Status.TRIALING, Status.ACTIVE, Status.PAST_DUE})


@dataclass(frozen=True, slots=True)
class MainPlan:
    """What an add-on's rules read of its main subscription."""

    status: Status
    auto_renew: bool
    # When its protection ends if it does not renew: the end it was given, or its period end.
    ends_at: datetime


def main_plan(
    status: str, auto_renew: bool, period_end: datetime, access_ends_at: datetime | None
) -> MainPlan:
    return MainPlan(Status(status), auto_renew, access_ends_at or period_end)


def main_renews(main: MainPlan | None) -> bool:
    """Whether the main subscription goes on past its period (None: there is none)."""
    return main is not None and main.status in RENEWING and main.auto_renew


def main_ended(main: MainPlan | None) -> bool:
    return main is None or main.status in FINAL


def addon_may_renew(main: MainPlan | None) -> bool:
    """An add-on is charged for another period, or has its renewal turned on, only while
    its main subscription renews."""
    return main_renews(main)


def can_renew_again(main: MainPlan | None, status: Status, auto_renew: bool) -> bool:
    """An add-on whose renewal went off (with its main plan, or on its own) may be turned
    back on by the customer once its main plan renews, while the add-on still runs."""
    return main_renews(main) and status in LIVE and not auto_renew


def latest_end(main: MainPlan, addon_end: datetime) -> datetime:
    """The latest an add-on ending with `main` may protect: not past the main plan."""
    return min(addon_end, main.ends_at)


def follows_main_now(main: MainPlan) -> bool:
    """A main plan that has ended (a "cancel now" too, whatever protection it keeps) ends its
    add-ons now; one that only stopped renewing ends them at its end."""
    return main.status in FINAL


class AddonStep(StrEnum):
    AS_DUE = "as_due"  # its main plan renews: whatever is due for it
    END = "end"  # it ends now without a charge: its period, or the end it was given, is over
    CANCEL_NOW = "cancel_now"  # its main plan ended while it ran: canceled now, refund per policy
    WAIT = "wait"  # its main plan stops later: nothing until its own end


def addon_step(
    main: MainPlan | None,
    *,
    period_end: datetime,
    access_ends_at: datetime | None,
    now: datetime,
) -> AddonStep:
    """What the worker does with an add-on whose next action time has come, before any charge."""
    if main_renews(main):
        return AddonStep.AS_DUE
    given_end_over = access_ends_at is not None and access_ends_at <= now
    if main_ended(main):
        over = given_end_over or period_end <= now
        return AddonStep.END if over else AddonStep.CANCEL_NOW
    # Live but not renewing (auto-renew off, or suspended): never another period.
    if now >= period_end or given_end_over:
        return AddonStep.END
    return AddonStep.WAIT
