"""Writes audit events: every change of state says who, what, before, after, when and why."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from subdesk.db import append_row
from subdesk.models import AuditEvent

if TYPE_CHECKING:
    from subdesk.context import Work


@dataclass(frozen=True, slots=True)
class Actor:
    type: str  # customer | agent | system | partner | operator | device
    id: str | None = None

    @classmethod
    def customer(cls, account_id: uuid.UUID) -> Actor:
        return cls("customer", str(account_id))


SYSTEM = Actor("system", "subdesk")


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    entity: tuple[str, Any],
    now: datetime,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    """Append one event to the log, inside the caller's transaction (written in bulk)."""
    entity_type, entity_id = entity
    event = dict(
        occurred_at=now,
        actor_type=actor.type,
        actor_id=actor.id,
        action=action,
        entity_type=entity_type,
        entity_id=str(entity_id),
        account_id=account_id,
        subscription_id=subscription_id,
        before=before,
        after=after,
        reason=reason,
    )
    append_row(session, AuditEvent, event)


def audit(
    work: Work,
    *,
    action: str,
    entity: tuple[str, Any],
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    account_id: uuid.UUID | None = None,
    subscription_id: uuid.UUID | None = None,
    reason: str | None = None,
) -> None:
    """`record` for the unit of work's own actor, at its time."""
    record(
        work.session,
        actor=work.actor,
        action=action,
        entity=entity,
        now=work.now,
        before=before,
        after=after,
        account_id=account_id,
        subscription_id=subscription_id,
        reason=reason,
    )


def subscription_history(session: Session, subscription_id: uuid.UUID) -> list[AuditEvent]:
    query = (
        select(AuditEvent)
        .where(AuditEvent.subscription_id == subscription_id)
        .order_by(AuditEvent.id)
    )
    return list(session.scalars(query))
