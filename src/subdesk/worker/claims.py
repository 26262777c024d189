"""Due subscriptions claimed as plain copies of their rows, and written back in one statement.

Renewing from ORM objects cost more than the renewal itself: building them,
tracking every attribute set, and one UPDATE per row at the flush. The batch
reads the columns into `ClaimedSubscription`s instead (which the domain takes
like the ORM row: `SubscriptionState`) and writes back the changed ones with
one executemany UPDATE by primary key, in the same transaction.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, fields
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import Table, bindparam, select, true
from sqlalchemy.orm import Session

from subdesk.models import Subscription


@dataclass(slots=True)
class ClaimedSubscription:
    """One claimed row; field names are the column names, all but `created_at` and
    `second_purchase_confirmed` (what the buyer confirmed when buying: renewals neither read
    nor write them)."""

    id: uuid.UUID
    account_id: uuid.UUID
    plan_id: uuid.UUID
    payment_method_id: uuid.UUID | None
    channel: str
    status: str
    auto_renew: bool
    started_at: datetime
    trial_ends_at: datetime | None
    anchor_at: datetime
    period_number: int
    current_period_start: datetime
    current_period_end: datetime
    access_ends_at: datetime | None
    canceled_at: datetime | None
    pending_plan_id: uuid.UUID | None
    main_subscription_id: uuid.UUID | None
    next_action_at: datetime | None
    grace_ends_at: datetime | None
    retries_left: int
    failed_attempts: int
    agreed_price_minor: int | None
    next_notice_at: datetime | None
    updated_at: datetime


COLUMNS = tuple(field.name for field in fields(ClaimedSubscription))
_values = attrgetter(*COLUMNS)
_TABLE: Table = Subscription.__table__  # type: ignore[assignment]
# The SET clause comes from the keys of the parameters: only the changed columns.
_UPDATE = _TABLE.update().where(_TABLE.c.id == bindparam("claimed_id"))


@dataclass(slots=True)
class Claim:
    """The claimed rows of one batch and their values as read, to write back what changed."""

    rows: list[ClaimedSubscription]
    read: list[tuple[Any, ...]]


def claim_due(
    session: Session, now: datetime, limit: int, only: list[uuid.UUID] | None = None
) -> Claim:
    """Lock up to `limit` due subscriptions (of `only`, if given) no other worker holds, the
    longest due first."""
    query = (
        select(*(_TABLE.c[name] for name in COLUMNS))
        .where(_TABLE.c.next_action_at <= now)
        .where(_TABLE.c.id.in_(only) if only is not None else true())
        .order_by(_TABLE.c.next_action_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    read = [tuple(row) for row in session.connection().execute(query)]
    return Claim([ClaimedSubscription(*values) for values in read], read)


def write_back(session: Session, claim: Claim) -> int:
    """UPDATE the columns that changed since the claim: one executemany per set of changed
    columns (a batch of renewals has one or two such sets); returns the rows written."""
    groups: dict[tuple[int, ...], list[dict[str, Any]]] = defaultdict(list)
    for row, before in zip(claim.rows, claim.read, strict=True):
        values = _values(row)
        changed = tuple(i for i in range(1, len(COLUMNS)) if values[i] != before[i])
        if changed:
            groups[changed].append(
                {"claimed_id": values[0]} | {COLUMNS[i]: values[i] for i in changed}
            )
    for rows in groups.values():
        session.connection().execute(_UPDATE, rows)
    return sum(len(rows) for rows in groups.values())


def lock(session: Session, ids: list[uuid.UUID]) -> Claim:
    """Lock these subscriptions (waiting for a customer's short transaction if one holds a
    row), in id order so that two lockers never wait on each other."""
    query = (
        select(*(_TABLE.c[name] for name in COLUMNS))
        .where(_TABLE.c.id.in_(ids))
        .order_by(_TABLE.c.id)
        .with_for_update()
    )
    read = [tuple(row) for row in session.connection().execute(query)]
    return Claim([ClaimedSubscription(*values) for values in read], read)


def restore(claim: Claim, index: int) -> None:
    """Put a row back as it was read (its action failed; only its next look is moved)."""
    row, values = claim.rows[index], claim.read[index]
    for name, value in zip(COLUMNS, values, strict=True):
        setattr(row, name, value)
