"""The dashboards' series as CSV: amounts in minor units with their currency and formatted."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from enum import StrEnum

from subdesk.money import Money
from subdesk.notifications.formatting import format_money
from subdesk.support.dashboard.rules import AGE_LABELS, percent
from subdesk.support.dashboard.service import Dashboard

Cell = str | int
Table = tuple[list[str], list[list[Cell]]]


class Series(StrEnum):
    CASES = "cases"
    CANCELLATIONS = "cancellations"
    REFUNDS = "refunds"
    MRR = "mrr"
    CHURN = "churn"


def _formatted(amount: int, currency: str) -> str:
    return format_money(Money(amount, currency), "en")


def _cases(board: Dashboard) -> Table:
    header = ["age", "age_label", "priority", "open_cases"]
    rows: list[list[Cell]] = [
        [bucket.value, AGE_LABELS[bucket], priority.value, count]
        for bucket, counts in board.cases.items()
        for priority, count in counts.items()
    ]
    return header, rows


def _cancellations(board: Dashboard) -> Table:
    header = ["day", "now", "period_end", "total"]
    rows: list[list[Cell]] = [
        [c.day.isoformat(), c.now, c.period_end, c.total] for c in board.cancellations
    ]
    return header, rows


def _refunds(board: Dashboard) -> Table:
    header = ["day", "currency", "refunds", "amount_minor", "amount"]
    rows: list[list[Cell]] = [
        [r.day.isoformat(), currency, r.count, r.amount_minor, _formatted(r.amount_minor, currency)]
        for currency, days in board.refunds.items()
        for r in days
    ]
    return header, rows


def _mrr(board: Dashboard) -> Table:
    header = ["day", "currency", "mrr_minor", "mrr"]
    rows: list[list[Cell]] = [
        [day.isoformat(), currency, amount, _formatted(amount, currency)]
        for currency, amounts in board.mrr.items()
        for day, amount in zip(board.span.days, amounts, strict=True)
    ]
    return header, rows


def _churn(board: Dashboard) -> Table:
    header = ["first_day", "last_day", "active_at_start", "churned", "churn"]
    rows: list[list[Cell]] = [
        [
            p.span.first.isoformat(),
            p.span.last.isoformat(),
            p.active_at_start,
            p.churned,
            percent(p.ratio) if p.ratio is not None else "",
        ]
        for p in board.churn
    ]
    return header, rows


TABLES: dict[Series, Callable[[Dashboard], Table]] = {
    Series.CASES: _cases,
    Series.CANCELLATIONS: _cancellations,
    Series.REFUNDS: _refunds,
    Series.MRR: _mrr,
    Series.CHURN: _churn,
}


def as_csv(board: Dashboard, series: Series) -> str:
    header, rows = TABLES[series](board)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def file_name(board: Dashboard, series: Series) -> str:
    return f"{series.value}-{board.span.first.isoformat()}-{board.span.last.isoformat()}.csv"
