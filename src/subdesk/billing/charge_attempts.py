"""Charges as attempts: committed before the processor is called, answered after, reconciled
when the answer was lost.

    pending ──▶ succeeded | failed | requires_action     (the processor answered)
       └──────▶ unknown ──▶ (the reconciler asks by reference) ──▶ succeeded | failed

An attempt's id is the processor's idempotency key (`attempt:<id>`) and its
reference (the payment's metadata). At most one attempt per subscription and
period is open (`pending` or `unknown`; a unique index holds it), and the
worker starts no new one for a period while one is open: the reconciler first
learns from the processor what became of it, by its reference, which the
processor keeps when it has long forgotten the key.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Table, select, update
from sqlalchemy.orm import Session

from subdesk.billing.gateway import (
    AuthenticationRequired,
    CardDeclined,
    Charge,
    ChargeAnswer,
    ChargeAttempt,
    ChargeFound,
)
from subdesk.config import Settings
from subdesk.db import append_row
from subdesk.models import PaymentAttempt
from subdesk.money import Money
from subdesk.operations import metrics

OPEN = ("pending", "unknown")
# A pending attempt older than this lost the worker that made it (the call's time-out must be
# far shorter); the reconciler then asks the processor about it. Settings may shorten it.
LEASE = timedelta(minutes=5)


def lease_of(settings: Settings) -> timedelta:
    return timedelta(seconds=settings.payment_lease_seconds)


_ATTEMPTS: Table = PaymentAttempt.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class OpenAttempt:
    """A committed attempt, as the call to the processor and the recording after it need it."""

    id: uuid.UUID
    subscription_id: uuid.UUID | None  # None: a purchase (subscriptions.checkout)
    period_number: int
    payment_key: str  # the key the renewal's payment is recorded under, with its retry number
    token: str
    amount: Money

    @property
    def call(self) -> ChargeAttempt:
        return ChargeAttempt(self.token, self.amount, f"attempt:{self.id}", str(self.id))


def open_attempt(
    session: Session,
    *,
    account_id: uuid.UUID,
    subscription_id: uuid.UUID,
    method_id: uuid.UUID,
    kind: str,
    period_number: int,
    charge: ChargeAttempt,
    now: datetime,
) -> OpenAttempt:
    """Write a pending attempt (committed with the caller's unit of work)."""
    attempt = OpenAttempt(
        uuid.uuid4(), subscription_id, period_number, charge.idempotency_key, charge.token,
        charge.amount,
    )  # fmt: skip
    row = dict(
        id=attempt.id,
        account_id=account_id,
        subscription_id=subscription_id,
        payment_method_id=method_id,
        kind=kind,
        period_number=period_number,
        amount_minor=charge.amount.amount,
        currency=charge.amount.currency,
        payment_key=charge.idempotency_key,
        state="pending",
        gateway_charge_id=None,
        decline_code=None,
        created_at=now,
        updated_at=now,
    )
    append_row(session, PaymentAttempt, row)
    return attempt


def with_open_attempts(session: Session, subscription_ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    """Those of the subscriptions with an attempt whose outcome is not known yet."""
    if not subscription_ids:
        return set()
    query = select(_ATTEMPTS.c.subscription_id).where(
        _ATTEMPTS.c.subscription_id.in_(subscription_ids), _ATTEMPTS.c.state.in_(OPEN)
    )
    return set(session.connection().execute(query).scalars())


def state_of(answer: ChargeAnswer | ChargeFound | None) -> str:
    if isinstance(answer, Charge):
        return "succeeded"
    if isinstance(answer, AuthenticationRequired):
        return "requires_action"
    if isinstance(answer, CardDeclined) or answer is None:
        return "failed"
    return "unknown"


def settle(
    session: Session, attempt: OpenAttempt, answer: ChargeAnswer | ChargeFound | None,
    now: datetime,
) -> bool:  # fmt: skip
    """Write the attempt's outcome if it is still open; False if another process did first
    (then that one records the rest, and this one must not)."""
    state = state_of(answer)
    values: dict[str, object] = {"state": state, "updated_at": now}
    if isinstance(answer, Charge):
        values["gateway_charge_id"] = answer.charge_id
    elif isinstance(answer, CardDeclined):
        values["decline_code"] = answer.decline_code
    elif isinstance(answer, AuthenticationRequired):
        values["gateway_charge_id"], values["decline_code"] = answer.payment_ref, answer.code
    elif answer is None:
        values["decline_code"] = "not_received"
    statement = (
        update(_ATTEMPTS)
        .where(_ATTEMPTS.c.id == attempt.id, _ATTEMPTS.c.state.in_(OPEN))
        .values(**values)
    )
    if not session.connection().execute(statement).rowcount:
        return False
    metrics.count_charge(session, state, attempt.amount.currency)
    return True


def held_for_customer(
    session: Session, subscription_id: uuid.UUID, period_number: int
) -> OpenAttempt | None:
    """The renewal attempt of this period the bank holds for the customer's authentication."""
    query = (
        select(_ATTEMPTS.c.id, _ATTEMPTS.c.payment_key)
        .add_columns(_ATTEMPTS.c.amount_minor, _ATTEMPTS.c.currency)
        .where(_ATTEMPTS.c.subscription_id == subscription_id)
        .where(_ATTEMPTS.c.period_number == period_number)
        .where(_ATTEMPTS.c.state == "requires_action")
        .order_by(_ATTEMPTS.c.created_at.desc())
        .limit(1)
    )
    row = session.connection().execute(query).first()
    if row is None:
        return None
    return OpenAttempt(row[0], subscription_id, period_number, row[1], "", Money(row[2], row[3]))


def reopen(session: Session, attempt_id: uuid.UUID, now: datetime) -> bool:
    """Open a held attempt again (`unknown`): what the processor says of it now is recorded."""
    statement = (
        update(_ATTEMPTS)
        .where(_ATTEMPTS.c.id == attempt_id, _ATTEMPTS.c.state == "requires_action")
        .values(state="unknown", updated_at=now)
    )
    return bool(session.connection().execute(statement).rowcount)


def recorded_charge(session: Session, attempt_id: uuid.UUID) -> str | None:
    """The charge an attempt was settled with, if it was settled as succeeded."""
    query = select(_ATTEMPTS.c.gateway_charge_id).where(
        _ATTEMPTS.c.id == attempt_id, _ATTEMPTS.c.state == "succeeded"
    )
    return session.connection().execute(query).scalar()


def lost(session: Session, now: datetime, lease: timedelta, limit: int) -> list[OpenAttempt]:
    """Renewal attempts whose answer never arrived, pending or unknown for longer than the lease: a
    call that timed out may still be carried out at the processor for a while, and its
    search may lag (Stripe's, by up to a minute), so it is asked about only once the
    processor is surely done with it; "not found" then means it never arrived."""
    query = (
        select(
            _ATTEMPTS.c.id,
            _ATTEMPTS.c.subscription_id,
            _ATTEMPTS.c.period_number,
            _ATTEMPTS.c.payment_key,
            _ATTEMPTS.c.amount_minor,
            _ATTEMPTS.c.currency,
        )  # fmt: skip
        .where(
            _ATTEMPTS.c.intent.is_(None),  # purchases and upgrades: subscriptions.checkout
            _ATTEMPTS.c.state.in_(OPEN),
            _ATTEMPTS.c.updated_at <= now - lease,
        )
        .order_by(_ATTEMPTS.c.updated_at)
        .limit(limit)
    )
    rows = session.connection().execute(query).all()
    return [OpenAttempt(r[0], r[1], r[2], r[3], "", Money(r[4], r[5])) for r in rows]
