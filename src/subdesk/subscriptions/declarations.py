"""Receiving a cancellation declared on the public page, and undoing one its account disputes.

A declaration is kept, applied and confirmed at once whether or not it matches an account
(§ 312k BGB), but whoever sent it learns nothing about the account: the contracts it
ended, their end dates and cancellation IDs go to the account's own address, with a
one-time "this wasn't me" link that turns their renewal back on.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select

from subdesk.accounts.service import find_by_email, token_digest
from subdesk.audit.log import Actor, audit, record
from subdesk.billing.ledger import public_reference
from subdesk.catalog.service import plan_of
from subdesk.compliance.termination import Kind, covers, outcome
from subdesk.context import Work
from subdesk.errors import Conflict, InvalidRequest
from subdesk.models import Account, CancellationDeclaration, Subscription
from subdesk.notifications.messages import declaration_received
from subdesk.subscriptions import cancellation, lifecycle, repository, rules
from subdesk.subscriptions.cancellation import When
from subdesk.subscriptions.rules import LIVE, Status

# How long the "this wasn't me" link works: long enough for a holiday away from email.
DISPUTE_VALID_FOR = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Declaration:
    kind: Kind
    name: str
    email: str
    contract: str | None
    requested_end: datetime | None
    reason: str | None


@dataclass(frozen=True, slots=True)
class Ended:
    """One contract the declaration ended: which, until when, under which cancellation ID."""

    plan: str
    cancellation_id: str
    ends_at: datetime


@dataclass(frozen=True, slots=True)
class Disputed:
    """A disputed declaration: the plans renewing again, and those that could not."""

    declaration: CancellationDeclaration
    restored: list[str]
    not_restored: list[str]


def receive(work: Work, declared: Declaration) -> CancellationDeclaration:
    """Keep the declaration, stop the renewal of every contract it covers, and tell the
    account (if the email has one) what was ended, with a link to undo it."""
    if declared.kind is Kind.EXTRAORDINARY and not declared.reason:
        raise InvalidRequest(
            "Give the important reason for an extraordinary cancellation.", field="reason"
        )
    account = find_by_email(work.session, declared.email)
    ended, review = _apply(work, account, declared) if account else ([], True)
    row = CancellationDeclaration(
        public_id=public_reference("KND"),
        received_at=work.now,
        kind=declared.kind.value,
        name=declared.name,
        email=declared.email,
        contract=declared.contract,
        requested_end=declared.requested_end,
        reason=declared.reason,
        account_id=account.id if account else None,
        status="needs_review" if review or not ended else "applied",
        cancellation_ids=[e.cancellation_id for e in ended],
        client_ip=work.client_ip,
    )
    work.session.add(row)
    work.session.flush()
    audit(
        work,
        action="declaration.received",
        entity=("cancellation_declaration", row.id),
        account_id=row.account_id,
        after={"public_id": row.public_id, "kind": row.kind, "status": row.status},
        reason=declared.reason,
    )
    # An address with no account has no contract to report: nothing is sent to it, so the
    # page cannot be used to mail strangers words a stranger typed.
    if account is not None:
        token = _new_dispute_link(work, row)
        declaration_received(work, row, account, ended, token, work.now + DISPUTE_VALID_FOR)
    return row


def _new_dispute_link(work: Work, row: CancellationDeclaration) -> str:
    """A one-time token for the account's email; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    row.dispute_token_hash = token_digest(token)
    row.dispute_expires_at = work.now + DISPUTE_VALID_FOR
    return token


def _apply(work: Work, account: Account, declared: Declaration) -> tuple[list[Ended], bool]:
    ended: list[Ended] = []
    review = False
    for subscription in repository.list_owned(work.session, account.id):
        plan = plan_of(work, subscription.plan_id)
        if subscription.status not in LIVE or not covers(
            declared.contract, str(subscription.id), plan.code, plan.name
        ):
            continue
        if subscription.channel != "direct":
            review = True  # billed by a store or provider: support tells the person how
            continue
        ended.append(_end(work, account, subscription, plan.name, declared))
        result = outcome(declared.kind, declared.requested_end, subscription.current_period_end)
        review = review or result.review
    return ended, review


def _end(
    work: Work, account: Account, subscription: Subscription, plan: str, declared: Declaration
) -> Ended:
    reason = "Declared on the public cancellation page" + (
        f": {declared.reason}" if declared.reason else ""
    )
    done = cancellation.cancel(work, account.id, subscription.id, When.PERIOD_END, reason[:500])
    return Ended(plan, done.public_id, done.effective_at)


def disputable(
    work: Work, token: str, *, lock: bool = False
) -> tuple[CancellationDeclaration, Account]:
    """The declaration a "this wasn't me" link undoes, and its account; refused once the link
    was used or has expired."""
    query = select(CancellationDeclaration).where(
        CancellationDeclaration.dispute_token_hash == token_digest(token)
    )
    row = work.session.scalars(query.with_for_update() if lock else query).first()
    account = work.session.get(Account, row.account_id) if row and row.account_id else None
    if (
        row is None
        or account is None
        or row.disputed_at is not None
        or row.dispute_expires_at is None
        or row.dispute_expires_at <= work.now
    ):
        raise InvalidRequest(
            "This link has expired or was already used. Contact us if you need help.",
            code="dispute_link_invalid",
            field="token",
        )
    return row, account


def dispute(work: Work, token: str) -> Disputed:
    """The account holder did not send the declaration: turn renewal back on for every
    subscription it stopped that has not ended since, and mark it disputed (once)."""
    row, account = disputable(work, token, lock=True)
    holder = replace(work, actor=Actor.customer(account.id))
    restored: list[str] = []
    not_restored: list[str] = []
    for public_id in row.cancellation_ids:
        plan, renewing = _restore(holder, account, public_id)
        (restored if renewing else not_restored).append(plan)
    before = {"status": row.status}
    row.status, row.disputed_at = "disputed", work.now
    record(
        work.session,
        actor=holder.actor,
        action="declaration.disputed",
        entity=("cancellation_declaration", row.id),
        account_id=account.id,
        before=before,
        after={"status": row.status, "restored": restored, "not_restored": not_restored},
        reason="The account holder said they did not send this cancellation",
        now=work.now,
    )
    return Disputed(row, restored, not_restored)


def _restore(work: Work, account: Account, public_id: str) -> tuple[str, bool]:
    """The plan of one cancellation the declaration made, and whether it renews again."""
    done = repository.cancellation_by_public_id(work.session, account.id, public_id)
    subscription = repository.get_owned(work.session, account.id, done.subscription_id)
    plan = plan_of(work, subscription.plan_id).name
    current = repository.confirmed_cancellation(work.session, subscription.id)
    # Ended since, or cancelled again by the holder: their later choice stands.
    if current is None or current.public_id != public_id:
        return plan, False
    if not rules.can_change_auto_renew(Status(subscription.status)):
        return plan, False
    try:
        lifecycle.set_auto_renew(work, account.id, subscription.id, True)
    except Conflict:
        return plan, False  # no payment method left to renew with
    return plan, True
