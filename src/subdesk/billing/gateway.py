"""The payment gateway interface: what subdesk asks of any card processor.

Card numbers reach the gateway only; subdesk keeps its token, brand, last 4 and
expiry. Every charge and refund carries an idempotency key, so a retry after a
crash or a time-out repeats the answer, never the money movement, and a
`reference` (subdesk's payment attempt id) that the processor keeps as metadata:
processors forget idempotency keys (Stripe after 24 hours) but not metadata, so
an attempt whose outcome subdesk never learned is looked up by its reference
(`find_charge`, `find_refund`) before anything else is charged for it.

    PaymentFailed
    ├── CardDeclined            the processor answered no; nothing was charged
    ├── AuthenticationRequired  the issuer wants the customer to authenticate (SCA)
    ├── InvalidCard             the card details or the request were refused
    └── GatewayUnavailable      no answer: the processor may or may not have acted
        └── GatewayRateLimited  429: the processor refused the request unprocessed
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
    # The issuing country, where the processor tells it (evidence for tax, beside the address).
    country: str | None = None


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


class GatewayRateLimited(GatewayUnavailable):
    """The processor refused the request for its rate limit (429): nothing was done."""

    status = 503
    code = "gateway_rate_limited"

    def __init__(self, message: str, *, retry_after: float = 1.0) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthenticationRequired(PaymentFailed):
    """The issuer asks the customer to authenticate this payment (3-D Secure, SCA).

    Nothing is captured yet; `payment_ref` names the processor's pending payment,
    which succeeds once the customer authenticates (then `find_charge` returns it)."""

    code = "authentication_required"

    def __init__(self, message: str, *, payment_ref: str) -> None:
        super().__init__(message, field="payment_method_id")
        self.payment_ref = payment_ref


class InvalidCard(PaymentFailed):
    status = 400
    code = "invalid_card"


@dataclass(frozen=True, slots=True)
class ChargeAttempt:
    """One charge of a batch: what `PaymentGateway.charge` takes."""

    token: str
    amount: Money
    idempotency_key: str
    reference: str | None = None


# What the processor answered one attempt: the charge, or the failure `charge` would raise.
ChargeAnswer = Charge | CardDeclined | AuthenticationRequired | GatewayUnavailable
# What the processor knows of an attempt looked up by its reference (None: it never saw it).
ChargeFound = Charge | CardDeclined | AuthenticationRequired


class PaymentGateway(Protocol):
    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        """Turn card details into a reusable token, or raise InvalidCard."""
        ...

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        """Capture `amount` off-session, or raise CardDeclined, AuthenticationRequired or
        GatewayUnavailable (outcome unknown: look it up by `reference` before retrying)."""
        ...

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        """Return `amount` of a captured charge; never more than remains of it."""
        ...

    def find_charge(self, reference: str) -> ChargeFound | None:
        """What became of the charge made with this reference (its latest answer), or None
        if the processor never received it; raises GatewayUnavailable if it cannot say."""
        ...

    def find_refund(self, reference: str, *, charge_id: str | None = None) -> RefundReceipt | None:
        """The refund made with this reference, or None if the processor never made it.
        `charge_id`, when known, narrows the search (Stripe lists refunds per payment but
        cannot search them)."""
        ...


class BatchGateway(PaymentGateway, Protocol):
    """A processor that also takes many charges in one call (a batch API, one round trip)."""

    def charge_many(self, attempts: Sequence[ChargeAttempt]) -> list[ChargeAnswer]:
        """Answer every attempt, in order, as `charge` would have one by one; a decline in
        the middle answers that attempt only."""
        ...
