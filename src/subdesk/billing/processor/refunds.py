"""Refunds of captured payment intents, never beyond what was captured, and sandbox disputes."""

from __future__ import annotations

from typing import Any

from subdesk.billing.processor import params as p
from subdesk.billing.processor.errors import invalid_request, missing
from subdesk.billing.processor.state import State, new_id, now


class Refunds:
    def __init__(self, state: State) -> None:
        self.state = state

    def create(self, params: dict[str, Any]) -> dict[str, Any]:
        p.only(params, {"payment_intent", "charge", "amount", "metadata", "reason"})
        amount = p.integer(params, "amount")
        metadata = p.metadata(params)
        with self.state.lock:
            intent = self._refundable(params)
            remaining = intent["amount_received"] - self.state.refunded.get(intent["id"], 0)
            if remaining <= 0:
                raise invalid_request(
                    f"Charge {intent['latest_charge']} has already been refunded.",
                    code="charge_already_refunded",
                )
            amount = remaining if amount is None else amount
            if amount < 1:
                raise invalid_request("Amount must be at least 1.", param="amount")
            if amount > remaining:
                raise invalid_request(
                    f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                    f"({remaining}).",
                    param="amount",
                    code="amount_too_large",
                )
            self.state.refunded[intent["id"]] = self.state.refunded.get(intent["id"], 0) + amount
            refund = _refund(intent, amount, metadata, p.text(params, "reason"))
            self.state.refunds[refund["id"]] = refund
            return refund

    def retrieve(self, refund_id: str) -> dict[str, Any]:
        with self.state.lock:
            refund = self.state.refunds.get(refund_id)
            if refund is None:
                raise missing("refund", refund_id)
            return refund

    def page(self, params: dict[str, Any]) -> dict[str, Any]:
        """Newest first, `limit` at a time after `starting_after`, as Stripe pages lists."""
        p.only(params, {"payment_intent", "charge", "limit", "starting_after", "ending_before"})
        intent, charge = p.text(params, "payment_intent"), p.text(params, "charge")
        after, limit = p.text(params, "starting_after"), p.limit(params)
        with self.state.lock:
            found = [
                r
                for r in reversed(self.state.refunds.values())
                if intent in (None, r["payment_intent"]) and charge in (None, r["charge"])
            ]
        if after is not None:
            ids = [r["id"] for r in found]
            if after not in ids:
                raise missing("refund", after, "starting_after")
            found = found[ids.index(after) + 1 :]
        return {
            "object": "list",
            "url": "/v1/refunds",
            "data": found[:limit],
            "has_more": len(found) > limit,
        }

    def open_disputes(self, intent_id: str | None) -> list[dict[str, Any]]:
        """Sandbox only: the captured payments on "disputed later" cards (or `intent_id`,
        whatever its card) are disputed by their card holders now."""
        with self.state.lock:
            targets = [intent_id] if intent_id else list(self.state.disputable)
            self.state.disputable = [i for i in self.state.disputable if i not in targets]
            opened = [self._dispute(target) for target in targets]
            return opened

    def _dispute(self, intent_id: str) -> dict[str, Any]:
        intent = self.state.intents.get(intent_id)
        if intent is None or intent["status"] != "succeeded":
            raise missing("payment_intent", intent_id, "payment_intent")
        dispute = {
            "id": new_id("dp"),
            "object": "dispute",
            "amount": intent["amount_received"],
            "currency": intent["currency"],
            "charge": intent["latest_charge"],
            "payment_intent": intent_id,
            "reason": "fraudulent",
            "status": "needs_response",
            "created": now(),
        }
        self.state.disputes[dispute["id"]] = dispute
        return dispute

    def _refundable(self, params: dict[str, Any]) -> dict[str, Any]:
        intent_id, charge = p.text(params, "payment_intent"), p.text(params, "charge")
        if intent_id is None and charge is None:
            raise invalid_request(
                "One of the following params should be provided for this request: "
                "payment_intent or charge.",
                code="parameter_missing",
            )
        if intent_id is not None:
            intent = self.state.intents.get(intent_id)
        else:
            by_charge = (i for i in self.state.intents.values() if i["latest_charge"] == charge)
            intent = next(by_charge, None)
        if intent is None:
            raise missing("payment_intent" if intent_id else "charge", intent_id or charge or "")
        if intent["status"] != "succeeded":
            raise invalid_request(
                f"PaymentIntent {intent['id']} does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        return intent


def _refund(
    intent: dict[str, Any], amount: int, metadata: dict[str, str], reason: str | None
) -> dict[str, Any]:
    return {
        "id": new_id("re"),
        "object": "refund",
        "amount": amount,
        "currency": intent["currency"],
        "payment_intent": intent["id"],
        "charge": intent["latest_charge"],
        "status": "succeeded",
        "reason": reason,
        "metadata": metadata,
        "created": now(),
    }
