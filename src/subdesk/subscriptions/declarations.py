"""Receiving a cancellation declared on the public page: kept, applied, and confirmed by email
at once — whether or not it matches an account (§ 312k BGB)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from subdesk.accounts.service import find_by_email
from subdesk.audit.log import record
from subdesk.billing.ledger import public_reference
from subdesk.catalog.service import plan_of
from subdesk.compliance.termination import Kind, covers, outcome
from subdesk.context import Work
from subdesk.errors import InvalidRequest
from subdesk.models import Account, CancellationDeclaration, Subscription
from subdesk.notifications.messages import declaration_received
from subdesk.subscriptions import cancellation, repository
from subdesk.subscriptions.cancellation import When
from subdesk.subscriptions.rules import LIVE


@dataclass(frozen=True, slots=True)
class Declaration:
    kind: Kind
    name: str
    email: str
    contract: str | None
    requested_end: datetime | None
    reason: str | None
    locale: str


@dataclass(frozen=True, slots=True)
class Ended:
    """One contract the declaration ended: which, until when, under which cancellation ID."""

    plan: str
    cancellation_id: str
    ends_at: datetime


def receive(work: Work, declared: Declaration) -> tuple[CancellationDeclaration, list[Ended]]:
    """Keep the declaration, stop the renewal of every contract it covers, and confirm it."""
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
    record(
        work.session,
        actor=work.actor,
        action="declaration.received",
        entity=("cancellation_declaration", row.id),
        account_id=row.account_id,
        after={"public_id": row.public_id, "kind": row.kind, "status": row.status},
        reason=declared.reason,
        now=work.now,
    )
    declaration_received(work, row, ended, declared.locale)
    return row, ended


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
