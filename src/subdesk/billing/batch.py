"""Many charges asked of the processor in one call, each answer then handed to its renewal.

The worker asks for the charges of a whole batch at once (`charge_all`), then
renews subscription after subscription as usual; their `charge` calls are
answered from that batch (`AnsweredGateway`) instead of asking again. Asking
again would return the same answer anyway: the idempotency key is the same.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from subdesk.billing.gateway import (
    AuthenticationRequired,
    BatchGateway,
    CardDeclined,
    CardToken,
    Charge,
    ChargeAnswer,
    ChargeAttempt,
    ChargeFound,
    GatewayUnavailable,
    PaymentGateway,
    RefundReceipt,
)
from subdesk.money import Money


def takes_batches(gateway: PaymentGateway) -> bool:
    """Whether the processor's class offers `charge_many` (a wrapper that merely forwards
    unknown attributes, like a test double around `charge`, does not count)."""
    return callable(getattr(type(gateway), "charge_many", None))


def charge_all(gateway: PaymentGateway, attempts: Sequence[ChargeAttempt]) -> list[ChargeAnswer]:
    """Every attempt answered in order: in one call if the processor takes batches."""
    if takes_batches(gateway):
        return cast(BatchGateway, gateway).charge_many(attempts)
    return [_charge_one(gateway, attempt) for attempt in attempts]


def _charge_one(gateway: PaymentGateway, attempt: ChargeAttempt) -> ChargeAnswer:
    try:
        return gateway.charge(
            attempt.token, attempt.amount, attempt.idempotency_key, reference=attempt.reference
        )
    except (CardDeclined, AuthenticationRequired, GatewayUnavailable) as failure:
        return failure


class AnsweredGateway:
    """The processor, with some charges already answered: a `charge` with one of their keys,
    card and amount gets that answer; anything else goes to the processor."""

    def __init__(
        self, inner: PaymentGateway, attempts: Sequence[ChargeAttempt], answers: list[ChargeAnswer]
    ) -> None:
        self._inner = inner
        self._answers = {
            attempt.idempotency_key: (attempt, answer)
            for attempt, answer in zip(attempts, answers, strict=True)
        }

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        return self._inner.tokenize_card(number, exp_month, exp_year, cvc)

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        found = self._answers.get(idempotency_key)
        if found is None or found[0] != ChargeAttempt(token, amount, idempotency_key, reference):
            return self._inner.charge(token, amount, idempotency_key, reference=reference)
        answer = found[1]
        if isinstance(answer, Charge):
            return answer
        raise answer

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        return self._inner.refund(charge_id, amount, idempotency_key, reference=reference)

    def find_charge(self, reference: str) -> ChargeFound | None:
        return self._inner.find_charge(reference)

    def find_refund(self, reference: str, *, charge_id: str | None = None) -> RefundReceipt | None:
        return self._inner.find_refund(reference, charge_id=charge_id)
