"""The tax of a charge: the customer's jurisdiction and evidence, the provider's answer, recorded.

The billing address decides the jurisdiction; without one, the account's country and region
do. The card's issuing country is recorded beside it as evidence. Every decision is written
to `tax_decisions`, in the caller's transaction, with the id the breakdown carries.

    tax_for_charge(work, account_id, price, when)         one charge, in one call
    taxes_for_charges(work, [TaxableCharge, ...], when)   a batch (renewals): three reads
    gross_of(work, account_id, price, when)               what to charge, not recorded
    charge_tax_requests(...) / record_tax_decisions(...)  the two halves, for a provider
                                                          that must be called between them
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from sqlalchemy import select

from subdesk.billing.tax.rules import Jurisdiction, TaxBreakdown, TaxRequest, prices_include_tax
from subdesk.context import Work
from subdesk.db import append_row
from subdesk.errors import NotFound
from subdesk.models import Account, BillingAddress, PaymentMethod, TaxDecision
from subdesk.money import Money


@dataclass(frozen=True, slots=True)
class TaxableCharge:
    account_id: uuid.UUID
    price: Money  # the plan's price as stored: read as inclusive or net by the jurisdiction
    payment_method_id: uuid.UUID | None = None  # the card charged: its country is evidence


@dataclass(frozen=True, slots=True)
class TaxEvidence:
    """What was known of where the customer is when the tax was decided."""

    basis: str  # "billing_address" | "account"
    address_country: str | None
    address_subdivision: str | None
    account_country: str
    account_region: str | None
    card_country: str | None


@dataclass(frozen=True, slots=True)
class ChargeTaxRequest:
    account_id: uuid.UUID
    request: TaxRequest
    evidence: TaxEvidence


def tax_for_charge(
    work: Work,
    account_id: uuid.UUID,
    price: Money,
    when: datetime,
    *,
    payment_method_id: uuid.UUID | None = None,
) -> TaxBreakdown:
    """The tax of charging `price` (the plan's stored price) to the account on `when`:
    charge `gross`; `decision_id` names the recorded decision and its evidence."""
    charge = TaxableCharge(account_id, price, payment_method_id)
    return taxes_for_charges(work, [charge], when)[0]


def gross_of(
    work: Work,
    account_id: uuid.UUID,
    price: Money,
    when: datetime,
    *,
    payment_method_id: uuid.UUID | None = None,
) -> Money:
    """What the customer is charged for `price` on `when`, tax included where it is added:
    computed, not recorded (the invoice records its decision when the charge is recorded).
    The same within one unit of work and one day, so every step of a charge agrees."""
    charge = TaxableCharge(account_id, price, payment_method_id)
    (request,) = charge_tax_requests(work, [charge], when)
    return work.runtime.tax.tax(request.request).gross


def taxes_for_charges(
    work: Work, charges: Sequence[TaxableCharge], when: datetime
) -> list[TaxBreakdown]:
    """`tax_for_charge` for many charges at once, in their order."""
    requests = charge_tax_requests(work, charges, when)
    answers = [work.runtime.tax.tax(r.request) for r in requests]
    return record_tax_decisions(work, requests, answers)


def charge_tax_requests(
    work: Work, charges: Sequence[TaxableCharge], when: datetime
) -> list[ChargeTaxRequest]:
    """What to ask the provider for each charge, read in three queries however many."""
    day = when.astimezone(UTC).date()
    known = read_evidence(work, [(c.account_id, c.payment_method_id) for c in charges])
    found = []
    for charge in charges:
        evidence, vat_id = known[(charge.account_id, charge.payment_method_id)]
        where = _jurisdiction(evidence)
        request = TaxRequest(
            jurisdiction=where,
            price=charge.price,
            price_includes_tax=prices_include_tax(where.country),
            supplied_on=day,
            vat_id=vat_id,
        )
        found.append(ChargeTaxRequest(charge.account_id, request, evidence))
    return found


def read_evidence(
    work: Work, payers: Sequence[tuple[uuid.UUID, uuid.UUID | None]]
) -> dict[tuple[uuid.UUID, uuid.UUID | None], tuple[TaxEvidence, str | None]]:
    """Where each (account, card) is, for this unit of work: read in three queries for all
    of them that it has not read yet (a worker batch reads its customers at once)."""
    known = _known_evidence(work)
    missing = {payer for payer in payers if payer not in known}
    if missing:
        account_ids = {account_id for account_id, _ in missing}
        accounts = _accounts(work, account_ids)
        addresses = _addresses(work, account_ids)
        cards = _cards(work, {card_id for _, card_id in missing if card_id})
        for account_id, card_id in missing:
            account = accounts.get(account_id)
            if account is None:
                raise NotFound("No such account.", field="account_id")
            address = addresses.get(account_id)
            card = cards.get(card_id) if card_id else None
            vat_id = address.vat_id if address is not None else None
            known[(account_id, card_id)] = (_evidence(account, address, card), vat_id)
    return known


_EVIDENCE = "tax_evidence"


def _known_evidence(
    work: Work,
) -> dict[tuple[uuid.UUID, uuid.UUID | None], tuple[TaxEvidence, str | None]]:
    """What this unit of work has read of each customer's whereabouts: read once, so that a
    charge's amount and its invoice, decided in one transaction, agree."""
    return work.cache.setdefault(_EVIDENCE, {})  # type: ignore[return-value]


def record_tax_decisions(
    work: Work, requests: Sequence[ChargeTaxRequest], answers: Sequence[TaxBreakdown]
) -> list[TaxBreakdown]:
    """Write each decision with its evidence; the answers come back with their ids."""
    recorded = []
    for asked, answer in zip(requests, answers, strict=True):
        decision_id = uuid.uuid4()
        append_row(work.session, TaxDecision, _decision_row(work, decision_id, asked, answer))
        recorded.append(replace(answer, decision_id=decision_id))
    return recorded


def _accounts(work: Work, ids: set[uuid.UUID]) -> dict[uuid.UUID, Account]:
    query = select(Account).where(Account.id.in_(ids))
    return {row.id: row for row in work.session.scalars(query)}


def _addresses(work: Work, ids: set[uuid.UUID]) -> dict[uuid.UUID, BillingAddress]:
    query = select(BillingAddress).where(BillingAddress.account_id.in_(ids))
    found = {row.account_id: row for row in work.session.scalars(query)}
    known = billing_addresses(work)
    known.update({account_id: found.get(account_id) for account_id in ids})
    return found


def billing_addresses(work: Work) -> dict[uuid.UUID, BillingAddress | None]:
    """The billing addresses this unit of work has read, None for an account with none (the
    invoice prints what the tax was decided by)."""
    return work.cache.setdefault("billing_addresses", {})  # type: ignore[return-value]


def _cards(work: Work, ids: set[uuid.UUID]) -> dict[uuid.UUID, PaymentMethod]:
    if not ids:
        return {}
    query = select(PaymentMethod).where(PaymentMethod.id.in_(ids))
    return {row.id: row for row in work.session.scalars(query)}


def _evidence(
    account: Account, address: BillingAddress | None, card: PaymentMethod | None
) -> TaxEvidence:
    return TaxEvidence(
        basis="billing_address" if address is not None else "account",
        address_country=address.country if address is not None else None,
        address_subdivision=address.subdivision if address is not None else None,
        account_country=account.country,
        account_region=account.region,
        card_country=card.country if card is not None else None,
    )


def _jurisdiction(evidence: TaxEvidence) -> Jurisdiction:
    if evidence.address_country is not None:
        return Jurisdiction(evidence.address_country, evidence.address_subdivision)
    return Jurisdiction(evidence.account_country, evidence.account_region)


def _decision_row(
    work: Work, decision_id: uuid.UUID, asked: ChargeTaxRequest, answer: TaxBreakdown
) -> dict[str, object]:
    evidence = asked.evidence
    return {
        "id": decision_id,
        "account_id": asked.account_id,
        "decided_at": work.now,
        "supplied_on": asked.request.supplied_on,
        "provider": work.runtime.tax.name,
        "jurisdiction": answer.jurisdiction,
        "rate": str(answer.rate),
        "net_minor": answer.net.amount,
        "tax_minor": answer.tax.amount,
        "gross_minor": answer.gross.amount,
        "currency": answer.gross.currency,
        "price_includes_tax": answer.price_includes_tax,
        "reverse_charge": answer.reverse_charge,
        "vat_id": asked.request.vat_id,
        "source": answer.source,
        "basis": evidence.basis,
        "address_country": evidence.address_country,
        "address_subdivision": evidence.address_subdivision,
        "account_country": evidence.account_country,
        "account_region": evidence.account_region,
        "card_country": evidence.card_country,
    }
