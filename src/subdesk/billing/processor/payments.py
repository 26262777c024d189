"""Customers, payment methods and payment intents: what the sandbox processor's endpoints do.

Off-session confirmation follows Stripe: a declined or authentication-requiring
payment answers 402 with the intent, now `requires_payment_method`, inside the
error (`last_payment_error` says why). Confirming it again on-session stands
for the customer passing 3-D Secure: the sandbox then captures it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from subdesk.billing.processor import params as p
from subdesk.billing.processor.errors import ApiError, invalid_request, missing
from subdesk.billing.processor.state import Card, State, new_id, now
from subdesk.billing.sandbox import OUTCOMES, card_brand, luhn_valid
from subdesk.text import is_ascii_digits

DISPUTED_LATER = "4000000000000259"
# outcome -> (error code, message) of the 402 Stripe answers
CARD_ERRORS: dict[str, tuple[str, str]] = {
    "generic_decline": ("card_declined", "Your card was declined."),
    "insufficient_funds": ("card_declined", "Your card has insufficient funds."),
    "expired_card": ("expired_card", "Your card has expired."),
    "stolen_card": ("card_declined", "Your card was declined."),
    "processing_error": (
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "authentication_required": (
        "authentication_required",
        "Your card was declined. This transaction requires authentication.",
    ),
}
SEARCH = re.compile(r"""^\s*metadata\[(['"])([^'"]{1,40})\1\]\s*:\s*(['"])([^'"]{0,500})\3\s*$""")
CONFIRMABLE = {"requires_payment_method", "requires_confirmation", "requires_action"}


class Payments:
    def __init__(self, state: State) -> None:
        self.state = state

    def create_customer(self, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"email", "name", "description", "metadata"})
        customer: dict[str, Any] = {
            "id": new_id("cus"),
            "object": "customer",
            "created": now(),
            "email": p.text(params, "email"),
            "name": p.text(params, "name"),
            "description": p.text(params, "description"),
            "metadata": p.metadata(params),
            "livemode": False,
        }
        with self.state.lock:
            self.state.customers[customer["id"]] = customer
        return customer

    def create_payment_method(self, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"type", "card", "metadata", "billing_details"})
        if p.text(params, "type", required=True) != "card":
            raise invalid_request("The sandbox takes payment methods of type card.", param="type")
        card = params.get("card")
        if not isinstance(card, dict):
            raise invalid_request("Missing required param: card.", param="card")
        number = "".join(str(card.get("number", "")).split())
        exp_month = p.integer(card, "exp_month", required=True) or 0
        exp_year = p.integer(card, "exp_year", required=True) or 0
        _check_card(number, exp_month, exp_year, str(card.get("cvc", "")))
        method: dict[str, Any] = {
            "id": new_id("pm"),
            "object": "payment_method",
            "type": "card",
            "created": now(),
            "customer": None,
            "metadata": p.metadata(params),
            "livemode": False,
            "card": {
                "brand": card_brand(number),
                "last4": number[-4:],
                "exp_month": exp_month,
                "exp_year": exp_year,
                "funding": "credit",
                "country": "US",
            },
        }
        outcome = Card(OUTCOMES.get(number, "approve"), disputed_later=number == DISPUTED_LATER)
        with self.state.lock:
            self.state.payment_methods[method["id"]] = method
            self.state.cards[method["id"]] = outcome
        return method

    def attach(self, method_id: str, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"customer"})
        customer = p.text(params, "customer", required=True) or ""
        with self.state.lock:
            method = self._method(method_id)
            if customer not in self.state.customers:
                raise missing("customer", customer, "customer")
            method["customer"] = customer
            return method

    def create_intent(self, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"amount", "currency", "payment_method", "customer", "confirm"} | OPTIONAL)
        amount = p.integer(params, "amount", required=True) or 0
        if amount < 1:
            raise invalid_request("Amount must be at least 1.", param="amount")
        currency = (p.text(params, "currency", required=True) or "").lower()
        if not re.fullmatch("[a-z]{3}", currency):
            raise invalid_request(f"Invalid currency: {currency[:10]}", param="currency")
        method_id, customer = p.text(params, "payment_method"), p.text(params, "customer")
        confirm, off_session = p.boolean(params, "confirm"), p.off_session(params)
        with self.state.lock:
            if customer is not None and customer not in self.state.customers:
                raise missing("customer", customer, "customer")
            if method_id is not None:
                self._method(method_id, "payment_method")
            intent = _intent(amount, currency, method_id, customer, p.metadata(params))
            self.state.intents[intent["id"]] = intent
            if not confirm:
                return intent
            return self._attempt(intent, off_session=off_session)

    def retrieve_intent(self, intent_id: str) -> dict[str, Any]:
        with self.state.lock:
            return self._intent(intent_id)

    def confirm_intent(self, intent_id: str, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"payment_method", "return_url"} | OPTIONAL)
        with self.state.lock:
            intent = self._intent(intent_id)
            if intent["status"] not in CONFIRMABLE:
                raise invalid_request(
                    "You cannot confirm this PaymentIntent because it has a status of "
                    f"{intent['status']}.",
                    code="payment_intent_unexpected_state",
                )
            method_id = p.text(params, "payment_method")
            if method_id is not None:
                self._method(method_id, "payment_method")
                intent["payment_method"] = method_id
            return self._attempt(intent, off_session=p.off_session(params), on_session=True)

    def search_intents(self, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"query", "limit", "page"})
        query = p.text(params, "query", required=True) or ""
        match = SEARCH.match(query)
        if match is None:
            raise invalid_request(
                "The sandbox searches payment intents by metadata['KEY']:'VALUE' only.",
                param="query",
            )
        key, value, limit = match.group(2), match.group(4), p.limit(params)
        with self.state.lock:
            found = [i for i in self.state.intents.values() if i["metadata"].get(key) == value]
        found.reverse()  # newest first, as Stripe lists
        return {
            "object": "search_result",
            "url": "/v1/payment_intents/search",
            "data": found[:limit],
            "has_more": len(found) > limit,
            "next_page": None,
        }

    def listing(self) -> list[dict[str, Any]]:
        """Sandbox only: every payment intent, oldest first, with how much of it was
        refunded (what a test checks the processor's side of the books by)."""
        with self.state.lock:
            refunded = self.state.refunded
            return [
                {**intent, "amount_refunded": refunded.get(intent["id"], 0)}
                for intent in self.state.intents.values()
            ]

    def _attempt(
        self, intent: dict[str, Any], *, off_session: bool, on_session: bool = False
    ) -> dict[str, Any]:
        """Confirm `intent` with its card: captured, waiting for the customer, or a 402."""
        if intent["payment_method"] is None:
            raise invalid_request(
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
                code="payment_intent_unexpected_state",
            )
        card = self.state.cards[intent["payment_method"]]
        if card.outcome == "authentication_required" and on_session and not off_session:
            return self._capture(intent, card)  # the customer passed 3-D Secure
        if card.outcome == "authentication_required" and not off_session:
            intent.update(status="requires_action", next_action={"type": "use_stripe_sdk"})
            return intent
        if card.outcome == "approve":
            return self._capture(intent, card)
        raise self._failed(intent, card.outcome)

    def _capture(self, intent: dict[str, Any], card: Card) -> dict[str, Any]:
        intent.update(
            status="succeeded",
            amount_received=intent["amount"],
            latest_charge=new_id("ch"),
            last_payment_error=None,
            next_action=None,
        )
        if card.disputed_later:
            self.state.disputable.append(intent["id"])
        return intent

    def _failed(self, intent: dict[str, Any], outcome: str) -> ApiError:
        code, message = CARD_ERRORS.get(outcome, CARD_ERRORS["generic_decline"])
        decline = None if outcome == "processing_error" else outcome
        charge = new_id("ch")
        error: dict[str, Any] = {
            "type": "card_error",
            "code": code,
            "message": message,
            "charge": charge,
        }
        error |= {"payment_method": self.state.payment_methods[intent["payment_method"]]}
        if decline is not None:
            error["decline_code"] = decline
        intent.update(status="requires_payment_method", latest_charge=charge)
        intent["last_payment_error"] = error
        extra = {"charge": charge, "payment_intent": intent}
        return ApiError(402, "card_error", message, code=code, decline_code=decline, extra=extra)

    def _method(self, method_id: str, param: str = "payment_method") -> dict[str, Any]:
        method = self.state.payment_methods.get(method_id)
        if method is None:
            raise missing("PaymentMethod", method_id, param)
        return method

    def _intent(self, intent_id: str) -> dict[str, Any]:
        intent = self.state.intents.get(intent_id)
        if intent is None:
            raise missing("payment_intent", intent_id, "intent")
        return intent


OPTIONAL = {"off_session", "metadata", "description", "payment_method_types", "setup_future_usage"}


def _intent(
    amount: int, currency: str, method: str | None, customer: str | None, metadata: dict[str, str]
) -> dict[str, Any]:
    intent_id = new_id("pi")
    return {
        "id": intent_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_received": 0,
        "currency": currency,
        "status": "requires_confirmation" if method else "requires_payment_method",
        "customer": customer,
        "payment_method": method,
        "metadata": metadata,
        "created": now(),
        "latest_charge": None,
        "last_payment_error": None,
        "next_action": None,
        "capture_method": "automatic",
        "confirmation_method": "automatic",
        "client_secret": f"{intent_id}_secret_{new_id('s')[2:]}",
        "livemode": False,
    }


def _check_card(number: str, exp_month: int, exp_year: int, cvc: str) -> None:
    """Stripe's card errors for details it refuses (a 402 card_error, as Stripe answers)."""
    if not (is_ascii_digits(number) and 12 <= len(number) <= 19 and luhn_valid(number)):
        raise _card_error("incorrect_number", "Your card number is incorrect.", "number")
    if not 1 <= exp_month <= 12:
        raise _card_error("invalid_expiry_month", "Your card's expiration month is invalid.")
    today = datetime.now(UTC)
    if (exp_year, exp_month) < (today.year, today.month):
        raise _card_error("invalid_expiry_year", "Your card's expiration year is invalid.")
    if not (is_ascii_digits(cvc) and len(cvc) in (3, 4)):
        raise _card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")


def _card_error(code: str, message: str, param: str | None = None) -> ApiError:
    field = param or ("exp_month" if "month" in code else "exp_year")
    return ApiError(402, "card_error", message, code=code, param=field)
