"""The payment gateway on Stripe's API through its official SDK (or the sandbox processor).

A charge is a PaymentIntent created and confirmed off-session with subdesk's
idempotency key and `metadata[subdesk_reference]`; the charge id subdesk keeps
is the PaymentIntent's id, which refunds name as `payment_intent`.

`tokenize_card` sends card numbers to the processor: that is for the sandbox
processor and its test cards only. With real Stripe, the portal collects cards
with Stripe Elements or Checkout, so numbers never reach subdesk's server, and
only the `pm_...` id (with its customer) reaches subdesk.

Stripe's search is eventually consistent (new payments are found within about
a minute), so `find_charge` right after a time-out may not see the payment yet.
"""

from __future__ import annotations

import re
from typing import Any, NoReturn

import stripe

from subdesk.billing.gateway import (
    AuthenticationRequired,
    CardDeclined,
    CardToken,
    Charge,
    ChargeFound,
    GatewayRateLimited,
    GatewayUnavailable,
    InvalidCard,
    RefundReceipt,
)
from subdesk.money import Money

DEFAULT_API_BASE = "https://api.stripe.com"
REFERENCE_KEY = "subdesk_reference"
# Decline codes that will not change on a retry (Stripe's "do not try again" codes).
HARD_DECLINES = {
    "expired_card",
    "stolen_card",
    "lost_card",
    "pickup_card",
    "fraudulent",
    "restricted_card",
    "incorrect_number",
    "invalid_account",
    "card_not_supported",
    "currency_not_supported",
    "revocation_of_all_authorizations",
    "revocation_of_authorization",
    "security_violation",
    "stop_payment_order",
    "transaction_not_allowed",
}
# Stripe's card parameter -> subdesk's form field.
CARD_FIELDS = {"number": "card_number", "exp_month": "exp_month", "exp_year": "exp_year"}
SAFE_REFERENCE = re.compile(r"[A-Za-z0-9_.:\-]{1,200}")


class StripeGateway:
    """A `PaymentGateway` on Stripe; never logs or repeats the API key or card numbers."""

    def __init__(
        self, api_key: str, *, api_base: str = DEFAULT_API_BASE, timeout_seconds: float = 30.0
    ) -> None:
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            http_client=stripe.RequestsClient(timeout=timeout_seconds),
            # subdesk retries with the same key itself, after looking the attempt up.
            max_network_retries=0,
        )
        self.api_base = api_base

    def __repr__(self) -> str:
        return f"StripeGateway(api_base={self.api_base!r})"

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        """Sandbox only (real cards come from Stripe Elements): a customer and its card.
        The token is `pm_...:cus_...`, both of which an off-session charge names."""
        card: dict[str, Any] = {
            "number": "".join(number.split()).replace("-", ""),
            "exp_month": exp_month,
            "exp_year": exp_year,
            "cvc": cvc,
        }
        with _answers():
            customer = self._client.v1.customers.create()
            method = self._client.v1.payment_methods.create(
                {"type": "card", "card": card}  # type: ignore[arg-type]
            )
            self._client.v1.payment_methods.attach(method.id, {"customer": customer.id})
        details = method.card
        if details is None:
            raise InvalidCard("The processor returned no card.")
        token = f"{method.id}:{customer.id}"
        country = (details.country or "").upper() or None
        return CardToken(
            token, details.brand, details.last4, details.exp_month, details.exp_year, country
        )

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        method, _, customer = token.partition(":")
        params: dict[str, Any] = {
            "amount": amount.amount,
            "currency": amount.currency.lower(),
            "payment_method": method,
            "confirm": True,
            "off_session": True,
        }
        if customer:
            params["customer"] = customer
        if reference is not None:
            params["metadata"] = {REFERENCE_KEY: reference}
        with _answers():
            intent = self._client.v1.payment_intents.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        found = _outcome(intent)
        if isinstance(found, Charge):
            return found
        if found is None:
            raise GatewayUnavailable("The payment is still processing; look it up later.")
        raise found

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        if amount.amount <= 0:
            raise InvalidCard("A refund must be a positive amount.", code="invalid_amount")
        with _answers():
            intent = self._client.v1.payment_intents.retrieve(charge_id)
        if intent.currency.upper() != amount.currency:
            raise InvalidCard("Refund exceeds the captured amount.", code="refund_too_large")
        params: dict[str, Any] = {"payment_intent": charge_id, "amount": amount.amount}
        if reference is not None:
            params["metadata"] = {REFERENCE_KEY: reference}
        with _answers():
            refund = self._client.v1.refunds.create(
                params,  # type: ignore[arg-type]
                {"idempotency_key": idempotency_key},
            )
        return _receipt(refund)

    def find_charge(self, reference: str) -> ChargeFound | None:
        """The latest answer for this reference: a capture wins over earlier failures."""
        query = f"metadata['{REFERENCE_KEY}']:'{_checked(reference)}'"
        with _answers():
            found = self._client.v1.payment_intents.search({"query": query, "limit": 100})
        outcomes = [_outcome(intent) for intent in found.data]
        charges = [o for o in outcomes if isinstance(o, Charge)]
        if charges:
            return charges[0]
        return next((o for o in outcomes if o is not None), None)

    def find_refund(self, reference: str, *, charge_id: str | None = None) -> RefundReceipt | None:
        """Stripe cannot search refunds: the charge's refunds (or, without it, every refund,
        newest first: slow, for recovery only) are matched on their metadata."""
        params: dict[str, Any] = {"limit": 100}
        if charge_id is not None:
            params["payment_intent"] = charge_id
        with _answers():
            for refund in self._client.v1.refunds.list(params).auto_paging_iter():  # type: ignore[arg-type]
                metadata = refund.metadata.to_dict() if refund.metadata is not None else {}
                if metadata.get(REFERENCE_KEY) == reference:
                    return _receipt(refund)
        return None


def _outcome(intent: stripe.PaymentIntent) -> ChargeFound | None:
    """What a PaymentIntent says of its payment; None if nothing is decided (or a processing
    error, which the sandbox does not remember either: the attempt may be made again)."""
    currency = intent.currency.upper()
    if intent.status == "succeeded":
        return Charge(intent.id, Money(intent.amount_received or intent.amount, currency))
    if intent.status == "requires_action":
        return AuthenticationRequired("The bank asks you to confirm.", payment_ref=intent.id)
    error = intent.last_payment_error
    if intent.status != "requires_payment_method" or error is None:
        return None
    if error.code == "authentication_required":
        return AuthenticationRequired("The bank asks you to confirm.", payment_ref=intent.id)
    if error.code == "processing_error":
        return None
    return _declined(error.message or "The card was declined.", error.decline_code or error.code)


def _declined(message: str, decline_code: str | None) -> CardDeclined:
    code = decline_code or "generic_decline"
    return CardDeclined(message, decline_code=code, hard=code in HARD_DECLINES)


class _answers:
    """Turns the SDK's errors into the gateway's error tree, for the block it wraps."""

    def __enter__(self) -> None:
        return None

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: Any
    ) -> None:
        if isinstance(error, stripe.StripeError):
            _raise_for(error)


def _raise_for(error: stripe.StripeError) -> NoReturn:
    if isinstance(error, stripe.CardError):
        raise _card_failure(error) from None
    if isinstance(error, stripe.RateLimitError):
        retry_after = _retry_after((error.headers or {}).get("Retry-After"))
        raise GatewayRateLimited(
            "The payment processor is busy; try again shortly.", retry_after=retry_after
        ) from None
    if isinstance(error, stripe.InvalidRequestError):
        raise _refusal(error) from None
    if isinstance(error, stripe.IdempotencyError):
        raise InvalidCard(
            "The idempotency key was used for another request.", code="idempotency_key_reused"
        ) from None
    if isinstance(error, stripe.AuthenticationError | stripe.PermissionError):
        raise GatewayUnavailable("The payment processor refused subdesk's API key.") from None
    # APIConnectionError (time-outs, dropped connections), APIError (5xx): the outcome is
    # unknown.
    raise GatewayUnavailable("The payment processor could not be reached; try again.") from None


def _card_failure(error: stripe.CardError) -> Exception:
    code = error.code or "card_declined"
    details = error.error
    intent = details.payment_intent if details is not None else None
    if code == "authentication_required" and intent is not None:
        return AuthenticationRequired("The bank asks you to confirm.", payment_ref=intent.id)
    if code == "processing_error":
        return GatewayUnavailable("The payment processor could not be reached; try again.")
    param = error.param or ""
    if intent is None and param in (*CARD_FIELDS, "cvc"):
        return InvalidCard(
            error.user_message or "The card was refused.", field=CARD_FIELDS.get(param, param)
        )
    decline = (details.decline_code if details is not None else None) or code
    return _declined(error.user_message or "The card was declined.", decline)


def _refusal(error: stripe.InvalidRequestError) -> InvalidCard:
    if error.code in ("charge_already_refunded", "amount_too_large"):
        return InvalidCard("Refund exceeds the captured amount.", code="refund_too_large")
    if error.code == "resource_missing":
        return InvalidCard("The processor has no such payment.", code="unknown_charge")
    if error.code == "charge_not_refundable":
        return InvalidCard("The payment was not captured.", code="unknown_charge")
    return InvalidCard("The payment processor refused the request.", code="gateway_refused")


def _retry_after(header: str | None) -> float:
    try:
        return max(0.0, float(header)) if header else 1.0
    except ValueError:
        return 1.0


def _checked(reference: str) -> str:
    """References go into a search query; only characters that need no escaping."""
    if not SAFE_REFERENCE.fullmatch(reference):
        raise InvalidCard("A reference must be letters, digits and _.:-", code="invalid_reference")
    return reference


def _receipt(refund: stripe.Refund) -> RefundReceipt:
    charge_id = refund.payment_intent
    if not isinstance(charge_id, str):
        charge_id = charge_id.id if charge_id is not None else ""
    return RefundReceipt(refund.id, charge_id, Money(refund.amount, refund.currency.upper()))
