"""The worker's step for duplicate purchases that got past the purchase check: each found is
refunded in full, its subscription ended and the customer emailed, once (the refund's key is
the payment's, so a second pass, a second worker or an agent's click finds it done)."""

from __future__ import annotations

from subdesk.audit.log import SYSTEM
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.subscriptions import duplicate_purchases

REASON = "a second purchase of the same product within a day, found by the worker"


def refund_duplicates(database: Database, runtime: Runtime, limit: int = 100) -> int:
    """Find the recent duplicate purchases and end each in its own unit of work (its refund
    is sent to the processor after that commits); returns how many were ended."""
    with database.reading() as session:
        found = duplicate_purchases.recent_duplicates(Work(session, runtime, SYSTEM))
    ended = 0
    for duplicate in found[:limit]:
        with database.transaction() as session:
            work = Work(session, runtime, SYSTEM)
            ended += duplicate_purchases.settle(work, duplicate, REASON)
    return ended
