"""Test-side helpers that act as the renewal worker would, and read the database directly."""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from subdesk.clock import TestClock
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import Subscription
from subdesk.notifications.smtp import SmtpSender
from subdesk.subscriptions.renewal import RenewalOutcome, renew
from subdesk.worker.loop import one_pass


def renew_now(database: Database, runtime: Runtime, subscription_id: str) -> RenewalOutcome:
    with database.transaction() as session:
        subscription = session.get(Subscription, uuid.UUID(subscription_id), with_for_update=True)
        assert subscription is not None
        return renew(Work(session, runtime), subscription)


def count(database: Database, model: Any, **where: Any) -> int:
    with database.transaction() as session:
        query = select(func.count()).select_from(model)
        for name, value in where.items():
            query = query.where(getattr(model, name) == value)
        return int(session.scalar(query) or 0)


def run_days(clock: TestClock, database: Database, runtime: Runtime, days: int) -> Counter[str]:
    """Let `days` days pass with the whole worker (renewals, notices, email) running daily."""
    sender = SmtpSender(runtime.settings)
    total: Counter[str] = Counter()
    for _ in range(days):
        clock.advance(timedelta(days=1))
        total.update(one_pass(database, runtime, sender))
    return total
