"""Test-side helpers that act as the renewal worker would, and read the database directly."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import Subscription
from subdesk.subscriptions.renewal import RenewalOutcome, renew


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
