"""The dashboards' reads: one aggregate query per series, grouped by UTC day in SQL.

Days are grouped with `utc_day`, which compiles to `date()` on SQLite (timestamps are kept
naive in UTC there) and to the UTC date of a `timestamptz` on PostgreSQL, so both backends
agree whatever the connection's time zone.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, and_, case, func, literal, not_, null, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from subdesk.db import UTCDateTime
from subdesk.models import Cancellation, Plan, Refund, Subscription, SupportCase
from subdesk.subscriptions.channels import Channel
from subdesk.subscriptions.rules import LIVE
from subdesk.support.dashboard.rules import OLDEST, OPEN_CASES, DayRange, PayingGroup, age_cutoffs


class utc_day(FunctionElement[date]):  # noqa: N801 - reads as the SQL function it stands for
    """The UTC calendar date of a timestamp column or expression."""

    type = Date()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"


@compiles(utc_day, "postgresql")
def _utc_day_postgresql(element: utc_day, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(timezone('UTC', {compiler.process(element.clauses, **kw)}) AS DATE)"


def open_cases_by_age(session: Session, now: datetime) -> list[tuple[str, str, int]]:
    """(age bucket, priority, count) of the cases not resolved or closed."""
    whens = [(SupportCase.created_at > cutoff, bucket.value) for bucket, cutoff in age_cutoffs(now)]
    aged = (
        select(case(*whens, else_=OLDEST.value).label("bucket"), SupportCase.priority)
        .where(SupportCase.status.in_([s.value for s in OPEN_CASES]))
        .subquery()
    )
    query = select(aged.c.bucket, aged.c.priority, func.count()).group_by(
        aged.c.bucket, aged.c.priority
    )
    return [(bucket, priority, count) for bucket, priority, count in session.execute(query)]


def cancellations_per_day(session: Session, span: DayRange) -> list[tuple[date, str, int]]:
    """(day, mode, count) of the confirmed cancellations requested in the range."""
    day = utc_day(Cancellation.requested_at)
    query = (
        select(day, Cancellation.mode, func.count())
        .where(
            Cancellation.status == "confirmed",
            Cancellation.requested_at >= span.starts_at,
            Cancellation.requested_at < span.ends_at,
        )
        .group_by(day, Cancellation.mode)
    )
    return [(found, mode, count) for found, mode, count in session.execute(query)]


def refunds_per_day(session: Session, span: DayRange) -> list[tuple[date, str, int, int]]:
    """(day, currency, count, amount in minor units) of the refunds made in the range."""
    day = utc_day(Refund.created_at)
    query = (
        select(day, Refund.currency, func.count(), func.sum(Refund.amount_minor))
        .where(Refund.created_at >= span.starts_at, Refund.created_at < span.ends_at)
        .group_by(day, Refund.currency)
    )
    return [(found, cur, count, int(total)) for found, cur, count, total in session.execute(query)]


def paying_groups(session: Session, span: DayRange, now: datetime) -> list[PayingGroup]:
    """Our own subscriptions that counted in MRR at some point of the range, grouped by the day
    they began and stopped counting and by price (see `service` for the definition)."""
    paying = _paying(now).subquery()
    # Whoever began before the range is counted from the day before it: one group, not many.
    before = span.starts_at - timedelta(days=1)
    began = case(
        (paying.c.paid_from < span.starts_at, literal(before, UTCDateTime())),
        else_=paying.c.paid_from,
    )
    days = (
        select(
            utc_day(began).label("from_day"),
            utc_day(paying.c.stopped_at).label("stop_day"),
            paying.c.currency,
            paying.c.period,
            paying.c.price,
        )
        .where(
            or_(
                paying.c.stopped_at.is_(None),
                and_(
                    paying.c.stopped_at >= span.starts_at,
                    paying.c.stopped_at > paying.c.paid_from,
                ),
            )
        )
        .subquery()
    )
    columns = (days.c.from_day, days.c.stop_day, days.c.currency, days.c.period, days.c.price)
    query = select(*columns, func.count()).group_by(*columns)
    return [PayingGroup(*row) for row in session.execute(query)]


def _paying(now: datetime) -> Any:
    """One row per direct subscription paid for by now: when it began and stopped counting."""
    # The first confirmed cancellation of each subscription, joined once: as a correlated
    # subquery it was evaluated once per use of `stopped` below, which led PostgreSQL to
    # JIT-compile the query on every page load.
    first = (
        select(Cancellation.subscription_id, func.min(Cancellation.requested_at).label("requested"))
        .where(Cancellation.status == "confirmed")
        .group_by(Cancellation.subscription_id)
        .subquery()
    )
    requested = first.c.requested
    renewing = and_(Subscription.status.in_([s.value for s in LIVE]), Subscription.auto_renew)
    stopped = case(
        (
            not_(renewing),
            func.coalesce(requested, Subscription.canceled_at, Subscription.updated_at),
        ),
        else_=null(),
    )
    paid_from = func.coalesce(Subscription.trial_ends_at, Subscription.started_at)
    return (
        select(
            paid_from.label("paid_from"),
            stopped.label("stopped_at"),
            Plan.currency.label("currency"),
            Plan.period.label("period"),
            func.coalesce(Subscription.agreed_price_minor, Plan.renewal_price_minor).label("price"),
        )
        .join(Plan, Plan.id == Subscription.plan_id)
        .outerjoin(first, first.c.subscription_id == Subscription.id)
        .where(Subscription.channel == Channel.DIRECT.value, paid_from <= now)
    )
