"""What is waiting, read from the database when metrics are scraped: outbox and webhook
backlogs, open payment attempts, due renewals, open cases by age.

Every query is an index range (migration 0022 adds the ones missing) and every count
stops at `CAP`, so a scrape stays cheap however far behind things are.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, literal, select
from sqlalchemy.orm import Session

from subdesk.models import OutboxEmail, PaymentAttempt, Subscription, SupportCase, WebhookDelivery

CAP = 100_000
ATTEMPT_STATES = ("pending", "unknown", "requires_action")
UNRESOLVED_CASES = ("new", "open", "waiting_on_customer")
# Open cases by age: (label, younger than); the last has no bound.
CASE_AGES: tuple[tuple[str, timedelta | None], ...] = (
    ("lt_1h", timedelta(hours=1)),
    ("1h_1d", timedelta(days=1)),
    ("1d_3d", timedelta(days=3)),
    ("3d_7d", timedelta(days=7)),
    ("gt_7d", None),
)


@dataclass(frozen=True, slots=True)
class Queue:
    """How many are waiting (at most CAP) and how long the oldest has (seconds; 0 if none)."""

    count: int
    oldest_age: float


@dataclass(slots=True)
class Readings:
    emails: Queue = Queue(0, 0.0)
    emails_failed: int = 0
    webhooks: Queue = Queue(0, 0.0)
    webhooks_failed: int = 0
    attempts: dict[str, Queue] = field(default_factory=dict)
    due: Queue = Queue(0, 0.0)
    cases_open: dict[str, int] = field(default_factory=dict)


def read(session: Session, now: datetime) -> Readings:
    """Everything the scrape reports, in one read-only unit of work."""
    return Readings(
        emails=_queue(session, now, OutboxEmail.created_at, OutboxEmail.status == "pending"),
        emails_failed=_count(session, OutboxEmail.status == "failed"),
        webhooks=_queue(
            session, now, WebhookDelivery.created_at, WebhookDelivery.status == "pending"
        ),
        webhooks_failed=_count(session, WebhookDelivery.status == "failed"),
        attempts={
            state: _queue(session, now, PaymentAttempt.updated_at, PaymentAttempt.state == state)
            for state in ATTEMPT_STATES
        },
        due=_queue(session, now, Subscription.next_action_at, Subscription.next_action_at <= now),
        cases_open=_cases_by_age(session, now),
    )


def _count(session: Session, *where: ColumnElement[bool]) -> int:
    bounded = select(literal(1)).where(*where).limit(CAP).subquery()
    return int(session.execute(select(func.count()).select_from(bounded)).scalar_one())


def _queue(session: Session, now: datetime, since: Any, *where: ColumnElement[bool]) -> Queue:
    count = _count(session, *where)
    if not count:
        return Queue(0, 0.0)
    oldest: datetime | None = session.execute(select(func.min(since)).where(*where)).scalar()
    return Queue(count, max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)


def _cases_by_age(session: Session, now: datetime) -> dict[str, int]:
    counts: dict[str, int] = {}
    older = now  # each bucket: created before `older`, at or after `older - bound`
    for label, bound in CASE_AGES:
        where = [SupportCase.status.in_(UNRESOLVED_CASES), SupportCase.created_at <= older]
        if bound is not None:
            where.append(SupportCase.created_at > now - bound)
            older = now - bound
        counts[label] = _count(session, *where)
    return counts
