"""Payment-method use cases: add a card through the gateway, list, remove."""

from __future__ import annotations

import uuid

from sqlalchemy import select

from subdesk.audit.log import audit
from subdesk.billing.card_input import card_number
from subdesk.billing.gateway import CardToken, PaymentGateway
from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import PaymentMethod, Subscription
from subdesk.subscriptions.rules import LIVE


def tokenize(
    gateway: PaymentGateway, *, number: str, exp_month: int, exp_year: int, cvc: str
) -> CardToken:
    """Hand the card to the processor, with no transaction open: its token, brand, last 4
    and expiry, all subdesk keeps (raises InvalidCard)."""
    return gateway.tokenize_card(card_number(number), exp_month, exp_year, cvc)


def add_card(
    work: Work, account_id: uuid.UUID, *, number: str, exp_month: int, exp_year: int, cvc: str
) -> PaymentMethod:
    """Tokenize and save in one unit: for the demo data and tests, whose processor is the
    in-process sandbox. Requests tokenize first (`tokenize`), then `save_card`."""
    card = tokenize(work.gateway, number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc)
    return save_card(work, account_id, card)


def save_card(work: Work, account_id: uuid.UUID, card: CardToken) -> PaymentMethod:
    method = PaymentMethod(
        account_id=account_id,
        gateway_token=card.token,
        brand=card.brand,
        last4=card.last4,
        exp_month=card.exp_month,
        exp_year=card.exp_year,
        country=card.country,
        created_at=work.now,
    )
    work.session.add(method)
    work.session.flush()
    audit(
        work,
        action="payment_method.added",
        entity=("payment_method", method.id),
        account_id=account_id,
        after={"brand": card.brand, "last4": card.last4, "country": card.country},
    )
    return method


def list_methods(work: Work, account_id: uuid.UUID) -> list[PaymentMethod]:
    query = (
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account_id, PaymentMethod.removed_at.is_(None))
        .order_by(PaymentMethod.created_at)
    )
    return list(work.session.scalars(query))


def get_method(work: Work, account_id: uuid.UUID, method_id: uuid.UUID) -> PaymentMethod:
    method = work.session.get(PaymentMethod, method_id)
    if method is None or method.account_id != account_id or method.removed_at is not None:
        raise NotFound("No such payment method.", field="payment_method_id")
    return method


def remove_method(work: Work, account_id: uuid.UUID, method_id: uuid.UUID) -> None:
    """Remove a card; refused while a subscription renews with it."""
    method = get_method(work, account_id, method_id)
    in_use = work.session.scalars(
        select(Subscription.id).where(
            Subscription.payment_method_id == method.id,
            Subscription.auto_renew.is_(True),
            Subscription.status.in_([s.value for s in LIVE]),
        )
    ).first()
    if in_use is not None:
        raise Conflict(
            "A subscription renews with this card. Add another card or turn off auto-renew first.",
            code="payment_method_in_use",
            field="payment_method_id",
        )
    method.removed_at = work.now
    audit(
        work,
        action="payment_method.removed",
        entity=("payment_method", method.id),
        account_id=account_id,
        before={"removed": False},
        after={"removed": True},
    )
