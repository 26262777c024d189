"""The gateway contract: the in-process sandbox and StripeGateway over HTTP answer alike."""

from __future__ import annotations

import pytest

from subdesk.billing.gateway import (
    AuthenticationRequired,
    CardDeclined,
    Charge,
    GatewayUnavailable,
    InvalidCard,
    RefundReceipt,
)
from subdesk.money import Money
from tests.billing.conftest import Harness

VISA = "4242 4242 4242 4242"
USD_10 = Money(1000, "USD")


def token(harness: Harness, number: str = VISA) -> str:
    return harness.gateway.tokenize_card(number, 12, 2030, "123").token


def charged(harness: Harness, key: str = "charge-1", reference: str = "attempt-1") -> Charge:
    return harness.gateway.charge(token(harness), USD_10, key, reference=reference)


def test_approved_card_is_charged(harness: Harness) -> None:
    charge = charged(harness)
    assert charge.amount == USD_10
    assert harness.captures() == 1


def test_card_keeps_brand_last4_and_expiry(harness: Harness) -> None:
    card = harness.gateway.tokenize_card(VISA, 12, 2030, "123")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)
    assert "4242424242424242" not in card.token


def test_luhn_invalid_number_is_refused(harness: Harness) -> None:
    with pytest.raises(InvalidCard) as caught:
        harness.gateway.tokenize_card("4242 4242 4242 4241", 12, 2030, "123")
    assert caught.value.field == "card_number"


@pytest.mark.parametrize(
    ("number", "decline_code", "hard"),
    [
        ("4000000000000002", "generic_decline", False),
        ("4000000000009995", "insufficient_funds", False),
        ("4000000000000069", "expired_card", True),
        ("4000000000009979", "stolen_card", True),
        ("4000000000000341", "generic_decline", False),
    ],
)
def test_decline_has_its_code_and_hardness(
    harness: Harness, number: str, decline_code: str, hard: bool
) -> None:
    with pytest.raises(CardDeclined) as caught:
        harness.gateway.charge(token(harness, number), USD_10, "k", reference="declined")
    assert (caught.value.decline_code, caught.value.hard) == (decline_code, hard)
    found = harness.gateway.find_charge("declined")
    assert isinstance(found, CardDeclined)
    assert found.decline_code == decline_code
    assert harness.captures() == 0


def test_processing_error_is_gateway_unavailable(harness: Harness) -> None:
    with pytest.raises(GatewayUnavailable):
        harness.gateway.charge(token(harness, "4000000000000119"), USD_10, "k", reference="r")
    assert harness.captures() == 0


def test_authentication_required_waits_for_the_customer(harness: Harness) -> None:
    card = token(harness, "4000002500003155")
    with pytest.raises(AuthenticationRequired) as caught:
        harness.gateway.charge(card, USD_10, "k", reference="sca")
    assert isinstance(harness.gateway.find_charge("sca"), AuthenticationRequired)
    assert harness.captures() == 0
    harness.authenticate(caught.value.payment_ref, "sca")
    found = harness.gateway.find_charge("sca")
    assert isinstance(found, Charge)
    assert found.amount == USD_10


def test_repeated_key_returns_the_same_charge_and_captures_once(harness: Harness) -> None:
    card = token(harness)
    first = harness.gateway.charge(card, USD_10, "same", reference="r")
    again = harness.gateway.charge(card, USD_10, "same", reference="r")
    assert first == again
    assert harness.captures() == 1


def test_refunds_partial_then_the_rest(harness: Harness) -> None:
    charge = charged(harness)
    part = harness.gateway.refund(charge.charge_id, Money(300, "USD"), "re-1", reference="f1")
    rest = harness.gateway.refund(charge.charge_id, Money(700, "USD"), "re-2", reference="f2")
    assert (part.amount, rest.amount) == (Money(300, "USD"), Money(700, "USD"))
    assert part.charge_id == rest.charge_id == charge.charge_id


@pytest.mark.parametrize("first", [1000, 600])
def test_refund_never_exceeds_the_capture(harness: Harness, first: int) -> None:
    charge = charged(harness)
    harness.gateway.refund(charge.charge_id, Money(first, "USD"), "re-1")
    with pytest.raises(InvalidCard) as caught:
        harness.gateway.refund(charge.charge_id, Money(500, "USD"), "re-2")
    assert caught.value.code == "refund_too_large"


def test_refund_beyond_the_capture_at_once_is_refused(harness: Harness) -> None:
    charge = charged(harness)
    with pytest.raises(InvalidCard, match="exceeds"):
        harness.gateway.refund(charge.charge_id, Money(1001, "USD"), "re-1")


def test_repeated_refund_key_returns_the_same_receipt(harness: Harness) -> None:
    charge = charged(harness)
    first = harness.gateway.refund(charge.charge_id, Money(600, "USD"), "re-1")
    again = harness.gateway.refund(charge.charge_id, Money(600, "USD"), "re-1")
    assert first == again
    with pytest.raises(InvalidCard):
        harness.gateway.refund(charge.charge_id, Money(600, "USD"), "re-2")


def test_charge_is_found_by_reference(harness: Harness) -> None:
    charge = charged(harness, reference="attempt-7")
    assert harness.gateway.find_charge("attempt-7") == charge


def test_charge_is_found_by_reference_after_keys_are_forgotten(harness: Harness) -> None:
    charge = charged(harness, reference="attempt-8")
    harness.forget_keys()
    assert harness.gateway.find_charge("attempt-8") == charge


def test_refund_is_found_by_reference(harness: Harness) -> None:
    charge = charged(harness)
    receipt = harness.gateway.refund(charge.charge_id, Money(250, "USD"), "re", reference="rf-1")
    harness.forget_keys()
    assert harness.gateway.find_refund("rf-1") == receipt
    assert harness.gateway.find_refund("rf-1", charge_id=charge.charge_id) == receipt
    assert isinstance(receipt, RefundReceipt)


def test_unknown_reference_finds_nothing(harness: Harness) -> None:
    charged(harness)
    assert harness.gateway.find_charge("never-sent") is None
    assert harness.gateway.find_refund("never-sent") is None
