"""A sandbox card processor that behaves like a real one, driven by published test cards.

    4242 4242 4242 4242   approved (Visa)          5555 5555 5555 4444  approved (Mastercard)
    4000 0000 0000 0002   generic decline          4000 0000 0000 9995  insufficient funds
    4000 0000 0000 0069   expired card (hard)      4000 0000 0000 9979  stolen card (hard)
    4000 0000 0000 0119   processing error         4000 0000 0000 0341  added, every charge declined
    4000 0025 0000 3155   authentication required  4000 0000 0000 0259  approved (disputed later)

A "processing error" card raises GatewayUnavailable, as a network error would.
Charges and refunds remember their idempotency keys: a repeat returns the first
answer; and their references, which `find_charge` and `find_refund` look up.
An "authentication required" charge waits until `authenticate` (the customer
passing 3-D Secure in the sandbox) and is then captured. A card whose expiry
has passed is refused when added. The token names the card's outcome (never its
number), so tokens stay usable across processes.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence

from subdesk.billing.gateway import (
    AuthenticationRequired,
    CardDeclined,
    CardToken,
    Charge,
    ChargeAnswer,
    ChargeAttempt,
    ChargeFound,
    GatewayUnavailable,
    InvalidCard,
    RefundReceipt,
)
from subdesk.billing.sandbox_ledger import Answer, Decided, Ledger, MemoryLedger
from subdesk.clock import Clock
from subdesk.money import Money
from subdesk.text import is_ascii_digits

# Test card number -> the outcome every charge on it has.
OUTCOMES: dict[str, str] = {
    "4000000000000002": "generic_decline",
    "4000000000009995": "insufficient_funds",
    "4000000000000069": "expired_card",
    "4000000000009979": "stolen_card",
    "4000000000000341": "generic_decline",
    "4000000000000119": "processing_error",
    "4000002500003155": "authentication_required",
}
# outcome -> (message, hard)
DECLINES: dict[str, tuple[str, bool]] = {
    "generic_decline": ("The card was declined.", False),
    "insufficient_funds": ("The card has insufficient funds.", False),
    "expired_card": ("The card has expired.", True),
    "stolen_card": ("The card was reported stolen.", True),
}


def luhn_valid(number: str) -> bool:
    digits = [int(d) for d in reversed(number)]
    total = sum(digits[0::2]) + sum(sum(divmod(2 * d, 10)) for d in digits[1::2])
    return total % 10 == 0


def card_brand(number: str) -> str:
    if number.startswith("4"):
        return "visa"
    if number[:2] in {"51", "52", "53", "54", "55"} or "2221" <= number[:4] <= "2720":
        return "mastercard"
    if number[:2] in {"34", "37"}:
        return "amex"
    return "card"


class SandboxGateway:
    """A processor whose memory is a ledger: in this process, or in a file shared by several."""

    def __init__(self, clock: Clock, ledger: Ledger | None = None) -> None:
        self._clock = clock
        self.ledger: Ledger = ledger or MemoryLedger()

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        number = "".join(number.split()).replace("-", "")
        self._check_card(number, exp_month, exp_year, cvc)
        token = f"tok_{OUTCOMES.get(number, 'approve')}_{secrets.token_hex(12)}"
        return CardToken(token, card_brand(number), number[-4:], exp_month, exp_year)

    def _check_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> None:
        if not (is_ascii_digits(number) and 12 <= len(number) <= 19 and luhn_valid(number)):
            raise InvalidCard("The card number is not valid.", field="card_number")
        if not 1 <= exp_month <= 12:
            raise InvalidCard("The expiry month must be 1 to 12.", field="exp_month")
        today = self._clock.now()
        if (exp_year, exp_month) < (today.year, today.month):
            raise InvalidCard("The card has expired.", field="exp_year")
        if not (is_ascii_digits(cvc) and len(cvc) in (3, 4)):
            raise InvalidCard("The security code must be 3 or 4 digits.", field="cvc")

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        (answer,) = self.charge_many([ChargeAttempt(token, amount, idempotency_key, reference)])
        if isinstance(answer, Charge):
            return answer
        raise answer

    def charge_many(self, attempts: Sequence[ChargeAttempt]) -> list[ChargeAnswer]:
        """Every attempt answered in order; the ledger is read and written once for all."""
        kept = self.ledger.lookup_many([attempt.idempotency_key for attempt in attempts])
        fresh: dict[str, Decided] = {}
        references: dict[str, str] = {}
        unreachable: dict[str, GatewayUnavailable] = {}
        for attempt in attempts:
            key = attempt.idempotency_key
            if key in kept or key in fresh or key in unreachable:
                continue
            decided = self._decide(attempt.token, attempt.amount)
            if isinstance(decided, GatewayUnavailable):
                unreachable[key] = decided  # not remembered: retried with the same key
                continue
            fresh[key] = decided
            if attempt.reference is not None:
                references[key] = attempt.reference
        if fresh:
            kept.update(self.ledger.settle_many(fresh, references))
        return [
            _as_charge_answer(kept.get(a.idempotency_key) or unreachable[a.idempotency_key])
            for a in attempts
        ]

    def find_charge(self, reference: str) -> ChargeFound | None:
        found = self.ledger.by_reference(reference)
        if found is None or isinstance(found, RefundReceipt):
            return None
        return found

    def find_refund(self, reference: str, *, charge_id: str | None = None) -> RefundReceipt | None:
        found = self.ledger.by_reference(reference)
        if not isinstance(found, RefundReceipt):
            return None
        return found if charge_id in (None, found.charge_id) else None

    def authenticate(self, reference: str) -> Charge:
        """The customer passed the issuer's check (sandbox only): the waiting charge is
        captured, and `find_charge` answers it from now on."""
        waiting = self.ledger.by_reference(reference)
        if isinstance(waiting, Charge):
            return waiting
        if not isinstance(waiting, AuthenticationRequired):
            raise InvalidCard("No payment waits for authentication.", code="unknown_payment")
        amount = _captured(waiting.payment_ref.replace("pi_", "ch_", 1))
        charge = Charge(waiting.payment_ref.replace("pi_", "ch_", 1), amount)
        self.ledger.replace(reference, charge)
        return charge

    def _decide(self, token: str, amount: Money) -> Decided | GatewayUnavailable:
        outcome = token.removeprefix("tok_").rpartition("_")[0]
        if outcome == "processing_error":
            return GatewayUnavailable("The payment processor could not be reached; try again.")
        if outcome == "authentication_required":
            ref = f"pi_{amount.currency}{amount.amount}_{secrets.token_hex(12)}"
            return AuthenticationRequired("The bank asks you to confirm.", payment_ref=ref)
        if outcome != "approve":
            message, hard = DECLINES.get(outcome, ("Unknown card.", True))
            return CardDeclined(message, decline_code=outcome, hard=hard)
        # Like the token, the charge id carries what a refund must check.
        return Charge(f"ch_{amount.currency}{amount.amount}_{secrets.token_hex(12)}", amount)

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        earlier = self.ledger.lookup(idempotency_key)
        if isinstance(earlier, RefundReceipt):
            return earlier
        captured = _captured(charge_id)
        if amount.amount <= 0:
            raise InvalidCard("A refund must be a positive amount.", code="invalid_amount")
        if amount.currency != captured.currency:
            raise InvalidCard("Refund exceeds the captured amount.", code="refund_too_large")
        receipt = RefundReceipt("re_" + secrets.token_hex(12), charge_id, amount)
        kept = self.ledger.refund_once(idempotency_key, receipt, captured.amount, reference)
        if kept is None:
            raise InvalidCard("Refund exceeds the captured amount.", code="refund_too_large")
        return kept

    def refunded_total(self, charge_id: str) -> int:
        return self.ledger.refunded(charge_id)


def _as_charge_answer(answer: Answer | GatewayUnavailable) -> ChargeAnswer:
    if isinstance(answer, RefundReceipt):
        return GatewayUnavailable("Idempotency key reused for another operation.")
    return answer


def _captured(charge_id: str) -> Money:
    head = charge_id.removeprefix("ch_").partition("_")[0]
    if len(head) < 4 or not head[3:].isdigit():
        raise InvalidCard("Unknown charge.", code="unknown_charge")
    return Money(int(head[3:]), head[:3])
