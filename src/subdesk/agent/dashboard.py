"""The staff dashboards in the console: open cases, cancellations, refunds, MRR and churn as
server-rendered SVG charts with their data tables, and each series as a CSV download."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.agent.charts import NO_DATA, Chart, bar_chart, line_chart, share_chart
from subdesk.agent.web import render, staff
from subdesk.errors import NotFound
from subdesk.money import Money
from subdesk.notifications.formatting import format_money
from subdesk.support.dashboard import export
from subdesk.support.dashboard.rules import (
    AGE_LABELS,
    CHURN_PERIOD_DAYS,
    ChurnPeriod,
    checked_days,
    percent,
)
from subdesk.support.dashboard.service import Dashboard, dashboard
from subdesk.support.rules import Priority

router = APIRouter(include_in_schema=False)
PAGE = "/agent/dashboard"
MODES = (("now", "at once"), ("period_end", "at the period's end"))
RANGES = (7, 30, 90, 365)  # the range links above the charts


@dataclass(frozen=True, slots=True)
class Charts:
    cases: Chart
    cancellations: Chart
    refunds: Chart
    mrr: dict[str, Chart]  # by currency
    churn: Chart


def _charts(board: Dashboard) -> Charts:
    days = [day.isoformat() for day in board.span.days]
    cases = [
        (priority.value, [board.cases[bucket][priority] for bucket in AGE_LABELS])
        for priority in Priority
    ]
    stopped = [
        (MODES[0][1], [c.now for c in board.cancellations]),
        (MODES[1][1], [c.period_end for c in board.cancellations]),
    ]
    refunds = [
        (f"{currency} refunds", [r.count for r in per_day])
        for currency, per_day in board.refunds.items()
    ]
    return Charts(
        cases=bar_chart(list(AGE_LABELS.values()), cases),
        cancellations=bar_chart(days, stopped),
        refunds=bar_chart(days, refunds),
        mrr={
            currency: line_chart(days, amounts, partial(_money, currency=currency))
            for currency, amounts in board.mrr.items()
        },
        churn=share_chart(
            [p.span.first.isoformat() for p in board.churn],
            [p.ratio for p in board.churn],
            percent,
            [_period(p) for p in board.churn],
        ),
    )


def _money(amount: int, *, currency: str) -> str:
    return format_money(Money(amount, currency), "en")


def _period(period: ChurnPeriod) -> str:
    return f"{period.span.first.isoformat()} to {period.span.last.isoformat()}"


def _churn_summary(board: Dashboard) -> str:
    """The churn chart's description: its range, the highest churn and how many periods have
    no data (the table beside it has every period)."""
    span = f"{board.span.first.isoformat()} to {board.span.last.isoformat()}"
    opening = f"Churn per period of up to {CHURN_PERIOD_DAYS} days, {span}"
    measured = [(p.ratio, p) for p in board.churn if p.ratio is not None]
    if not measured:
        return f"{opening}: {NO_DATA}, nobody was counted at the start of any period."
    ratio, highest = max(measured, key=lambda found: found[0])  # the earliest of equals
    parts = [f"the highest {percent(ratio)} ({_period(highest)})"]
    if unmeasured := len(board.churn) - len(measured):
        parts.append(f"{unmeasured} of {len(board.churn)} periods without data")
    return f"{opening}: {'; '.join(parts)}."


@router.get(PAGE, response_class=HTMLResponse)
def dashboard_page(request: Request, days: str | None = None) -> Response:
    with staff(request) as (work, member):
        board = dashboard(work, member, checked_days(days))
        context = {
            "board": board,
            "charts": _charts(board),
            "age_labels": AGE_LABELS,
            "priorities": list(Priority),
            "modes": MODES,
            "percent": percent,
            "churn_summary": _churn_summary(board),
            "ranges": RANGES,
        }
        return render(request, "dashboard.html", context, member=member)


@router.get(PAGE + "/{series}.csv")
def dashboard_csv(request: Request, series: str, days: str | None = None) -> Response:
    """One series as a CSV download, for the same range as the page."""
    try:
        chosen = export.Series(series)
    except ValueError:
        raise NotFound("No such series.", code="series_not_found") from None
    with staff(request) as (work, member):
        board = dashboard(work, member, checked_days(days))
    name = export.file_name(board, chosen)
    return Response(
        export.as_csv(board, chosen),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
