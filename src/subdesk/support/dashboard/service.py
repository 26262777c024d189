"""The staff dashboards, computed for a range of whole UTC days ending today (the clock's).

Definitions (what each number means, so a chart and its CSV can be checked by hand):

- Open cases: cases not resolved or closed, by age now (under 1 day, 1 to 3, 3 to 7, over 7
  days; a case exactly 1 day old is in "1 to 3 days") and priority.
- Cancellations per day: confirmed cancellations by the UTC day they were requested, split by
  mode ("now" ends at once, "period_end" stops the renewal). Revoked (resumed) and superseded
  ones are not counted.
- Refunds per day: the count and the sum (integer minor units) of refunds by the UTC day they
  were made, for each currency.
- MRR at the end of each day (today: as of now), per currency: the sum of one month's share of
  the renewal price (the price agreed with the customer, else the plan's renewal price) of our
  own (channel "direct") subscriptions that count that day. A yearly price counts as / 12,
  rounded half up to a whole minor unit per subscription (`rules.monthly_minor`).
  A subscription counts from when it is first paid for (the trial's end, else its start) until
  it stops renewing: the first confirmed cancellation's request, else when it was canceled,
  else (expired, or auto-renew turned off) its last change (`updated_at`, the closest the
  schema keeps). A live subscription that still renews has not stopped. Changes of plan
  count at today's price for every past day: the schema keeps no price history.
- Churn per period (7 days counted back from today): of the subscriptions counted at the
  period's start, the share that stopped within it. A ratio, for display only.
"""

from __future__ import annotations

from dataclasses import dataclass

from subdesk.context import Work
from subdesk.models import StaffMember
from subdesk.support.dashboard import repository
from subdesk.support.dashboard.rules import (
    CancellationDay,
    CaseGrid,
    ChurnPeriod,
    DayRange,
    RefundDay,
    cancellations_per_day,
    case_grid,
    churn,
    churn_periods,
    day_range,
    mrr_per_day,
    refunds_per_day,
)
from subdesk.support.rules import Permission, require


@dataclass(frozen=True, slots=True)
class Dashboard:
    span: DayRange
    cases: CaseGrid
    cancellations: list[CancellationDay]
    refunds: dict[str, list[RefundDay]]  # by currency
    mrr: dict[str, list[int]]  # by currency: minor units at the end of each day of `span`
    churn: list[ChurnPeriod]


def dashboard(work: Work, staff: StaffMember, days: int) -> Dashboard:
    """Every series of the dashboards for the last `days` days (7 to 366)."""
    require(staff.role, Permission.VIEW_CUSTOMERS)
    span = day_range(work.now, days)
    session = work.session
    groups = repository.paying_groups(session, span, work.now)
    return Dashboard(
        span=span,
        cases=case_grid(repository.open_cases_by_age(session, work.now)),
        cancellations=cancellations_per_day(repository.cancellations_per_day(session, span), span),
        refunds=refunds_per_day(repository.refunds_per_day(session, span), span),
        mrr=mrr_per_day(groups, span),
        churn=[churn(groups, period) for period in churn_periods(span)],
    )
