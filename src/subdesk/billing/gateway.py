"""The payment gateway interface: what subdesk asks of any card processor.

Card numbers reach the gateway only; subdesk keeps its token, brand, last 4 and
expiry. Every charge and refund carries an idempotency key, so a retry after a
crash or a time-out repeats the answer, never the money movement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from subdesk.errors import PaymentFailed
from subdesk.money import Money


@dataclass(frozen=True, slots=True)
class CardToken:
    token: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True, slots=True)
class Charge:
    charge_id: str
    amount: Money


@dataclass(frozen=True, slots=True)
class RefundReceipt:
    refund_id: str
    charge_id: str
    amount: Money


class CardDeclined(PaymentFailed):
    """The processor answered no. `hard` declines (expired, stolen) are not worth retrying."""

    code = "card_declined"

    def __init__(self, message: str, *, decline_code: str, hard: bool) -> None:
        super().__init__(message, field="payment_method_id")
        self.decline_code = decline_code
        self.hard = hard

    def as_body(self) -> dict[str, dict[str, str | None]]:
        body = super().as_body()
        body["error"]["decline_code"] = self.decline_code
        return body


class GatewayUnavailable(PaymentFailed):
    """The processor could not be reached or failed; safe to retry with the same key."""

    status = 503
    code = "gateway_unavailable"


class InvalidCard(PaymentFailed):
    status = 400
    code = "invalid_card"


@dataclass(frozen=True, slots=True)
class ChargeAttempt:
    """One charge of a batch: what `PaymentGateway.charge` takes."""

    token: str
    amount: Money
    idempotency_key: str


# What the processor answered one attempt: the charge, or the failure `charge` would raise.
ChargeAnswer = Charge | CardDeclined | GatewayUnavailable


class PaymentGateway(Protocol):
    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        """Turn card details into a reusable token, or raise InvalidCard."""
        ...

    def charge(self, token: str, amount: Money, idempotency_key: str) -> Charge:
        """Capture `amount`, or raise CardDeclined / GatewayUnavailable."""
        ...

    def refund(self, charge_id: str, amount: Money, idempotency_key: str) -> RefundReceipt:
        """Return `amount` of a captured charge; never more than remains of it."""
        ...


class BatchGateway(PaymentGateway, Protocol):
    """A processor that also takes many charges in one call (a batch API, one round trip)."""

    def charge_many(self, attempts: Sequence[ChargeAttempt]) -> list[ChargeAnswer]:
        """Answer every attempt, in order, as `charge` would have one by one; a decline in
        the middle answers that attempt only."""
        ...
