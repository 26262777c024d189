"""The sandbox card processor and its published test cards."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from subdesk.billing.gateway import CardDeclined, Charge, GatewayUnavailable, InvalidCard
from subdesk.billing.sandbox import SandboxGateway, card_brand, luhn_valid
from subdesk.billing.sandbox_ledger import SqliteLedger
from subdesk.clock import TestClock
from subdesk.money import Money

VISA = "4242 4242 4242 4242"
MASTERCARD = "5555 5555 5555 4444"
GENERIC_DECLINE = "4000 0000 0000 0002"
INSUFFICIENT_FUNDS = "4000 0000 0000 9995"
EXPIRED_CARD = "4000 0000 0000 0069"
STOLEN_CARD = "4000 0000 0000 9979"
PROCESSING_ERROR = "4000 0000 0000 0119"
ADDED_THEN_DECLINED = "4000 0000 0000 0341"

USD_10 = Money(1000, "USD")


@pytest.fixture
def clock() -> TestClock:
    return TestClock(datetime(2026, 1, 15, tzinfo=UTC))


@pytest.fixture
def gateway(clock: TestClock) -> SandboxGateway:
    return SandboxGateway(clock)


def token_for(gateway: SandboxGateway, number: str) -> str:
    return gateway.tokenize_card(number, 12, 2030, "123").token


def charge_of(gateway: SandboxGateway, number: str, key: str = "key-1") -> Charge:
    return gateway.charge(token_for(gateway, number), USD_10, key)


@pytest.mark.parametrize("number", [VISA, MASTERCARD])
def test_approved_card_is_charged(gateway: SandboxGateway, number: str) -> None:
    charge = charge_of(gateway, number)
    assert charge.amount == USD_10
    assert charge.charge_id.startswith("ch_")


def test_tokenized_card_keeps_brand_last4_and_expiry(gateway: SandboxGateway) -> None:
    card = gateway.tokenize_card(VISA, 12, 2030, "123")
    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2030)


def test_mastercard_is_recognised(gateway: SandboxGateway) -> None:
    assert gateway.tokenize_card(MASTERCARD, 1, 2030, "123").brand == "mastercard"


@pytest.mark.parametrize(
    "number",
    [VISA, MASTERCARD, GENERIC_DECLINE, STOLEN_CARD, PROCESSING_ERROR, ADDED_THEN_DECLINED],
)
def test_token_never_contains_the_card_number(gateway: SandboxGateway, number: str) -> None:
    token = token_for(gateway, number)
    assert number.replace(" ", "") not in token


def test_dashed_card_number_is_accepted(gateway: SandboxGateway) -> None:
    assert gateway.tokenize_card("4242-4242-4242-4242", 12, 2030, "123").last4 == "4242"


def test_generic_decline_is_a_soft_card_declined(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined, match="declined") as caught:
        charge_of(gateway, GENERIC_DECLINE)
    assert caught.value.decline_code == "generic_decline"
    assert caught.value.hard is False
    assert caught.value.status == 402


def test_insufficient_funds_is_a_soft_decline(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined, match="insufficient funds") as caught:
        charge_of(gateway, INSUFFICIENT_FUNDS)
    assert caught.value.decline_code == "insufficient_funds"
    assert caught.value.hard is False


def test_expired_card_is_a_hard_decline(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined, match="expired") as caught:
        charge_of(gateway, EXPIRED_CARD)
    assert caught.value.decline_code == "expired_card"
    assert caught.value.hard is True


def test_stolen_card_is_a_hard_decline(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined, match="stolen") as caught:
        charge_of(gateway, STOLEN_CARD)
    assert caught.value.decline_code == "stolen_card"
    assert caught.value.hard is True


def test_card_that_is_added_then_declines_every_charge(gateway: SandboxGateway) -> None:
    token = token_for(gateway, ADDED_THEN_DECLINED)
    for key in ("a", "b"):
        with pytest.raises(CardDeclined, match="declined"):
            gateway.charge(token, USD_10, key)


def test_decline_body_carries_the_decline_code(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined) as caught:
        charge_of(gateway, STOLEN_CARD)
    body = caught.value.as_body()["error"]
    assert body["code"] == "card_declined"
    assert body["decline_code"] == "stolen_card"
    assert body["field"] == "payment_method_id"


def test_processing_error_raises_gateway_unavailable(gateway: SandboxGateway) -> None:
    with pytest.raises(GatewayUnavailable, match="could not be reached") as caught:
        charge_of(gateway, PROCESSING_ERROR)
    assert caught.value.status == 503


def test_processing_error_is_not_remembered_under_its_idempotency_key(
    gateway: SandboxGateway,
) -> None:
    with pytest.raises(GatewayUnavailable):
        gateway.charge(token_for(gateway, PROCESSING_ERROR), USD_10, "retry-me")
    charge = gateway.charge(token_for(gateway, VISA), USD_10, "retry-me")
    assert charge.amount == USD_10


def test_decline_is_remembered_under_its_idempotency_key(gateway: SandboxGateway) -> None:
    with pytest.raises(CardDeclined):
        gateway.charge(token_for(gateway, GENERIC_DECLINE), USD_10, "once")
    with pytest.raises(CardDeclined, match="declined"):
        gateway.charge(token_for(gateway, VISA), USD_10, "once")


def test_luhn_invalid_number_is_refused(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidCard, match="card number") as caught:
        gateway.tokenize_card("4242 4242 4242 4241", 12, 2030, "123")
    assert caught.value.field == "card_number"
    assert caught.value.status == 400


@pytest.mark.parametrize("number", ["4242", "4242abcd42424242", "4" * 20])
def test_malformed_number_is_refused(gateway: SandboxGateway, number: str) -> None:
    with pytest.raises(InvalidCard, match="card number") as caught:
        gateway.tokenize_card(number, 12, 2030, "123")
    assert caught.value.field == "card_number"


@pytest.mark.parametrize("month", [0, 13])
def test_expiry_month_out_of_range_is_refused(gateway: SandboxGateway, month: int) -> None:
    with pytest.raises(InvalidCard, match="expiry month") as caught:
        gateway.tokenize_card(VISA, month, 2030, "123")
    assert caught.value.field == "exp_month"


def test_past_expiry_is_refused(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidCard, match="expired") as caught:
        gateway.tokenize_card(VISA, 12, 2025, "123")
    assert caught.value.field == "exp_year"


def test_card_expiring_this_month_is_accepted(gateway: SandboxGateway) -> None:
    assert gateway.tokenize_card(VISA, 1, 2026, "123").exp_month == 1


def test_expiry_is_judged_by_the_clock(gateway: SandboxGateway, clock: TestClock) -> None:
    clock.set(datetime(2026, 2, 1, tzinfo=UTC))
    with pytest.raises(InvalidCard, match="expired"):
        gateway.tokenize_card(VISA, 1, 2026, "123")


@pytest.mark.parametrize("cvc", ["12", "12345", "12a"])
def test_bad_cvc_is_refused(gateway: SandboxGateway, cvc: str) -> None:
    with pytest.raises(InvalidCard, match="security code") as caught:
        gateway.tokenize_card(VISA, 12, 2030, cvc)
    assert caught.value.field == "cvc"


def test_four_digit_cvc_is_accepted(gateway: SandboxGateway) -> None:
    assert gateway.tokenize_card(VISA, 12, 2030, "1234").last4 == "4242"


def test_same_idempotency_key_returns_the_same_charge(gateway: SandboxGateway) -> None:
    token = token_for(gateway, VISA)
    first = gateway.charge(token, USD_10, "order-1")
    assert gateway.charge(token, USD_10, "order-1") == first


def test_different_idempotency_keys_make_different_charges(gateway: SandboxGateway) -> None:
    token = token_for(gateway, VISA)
    first = gateway.charge(token, USD_10, "order-1")
    assert gateway.charge(token, USD_10, "order-2").charge_id != first.charge_id


def test_refund_returns_part_of_a_charge(gateway: SandboxGateway) -> None:
    charge = charge_of(gateway, VISA)
    receipt = gateway.refund(charge.charge_id, Money(600, "USD"), "refund-1")
    assert (receipt.charge_id, receipt.amount) == (charge.charge_id, Money(600, "USD"))
    assert gateway.refunded_total(charge.charge_id) == 600


def test_refund_of_the_whole_charge_is_allowed(gateway: SandboxGateway) -> None:
    charge = charge_of(gateway, VISA)
    gateway.refund(charge.charge_id, USD_10, "refund-1")
    assert gateway.refunded_total(charge.charge_id) == 1000


def test_refund_beyond_the_captured_amount_is_refused(gateway: SandboxGateway) -> None:
    charge = charge_of(gateway, VISA)
    with pytest.raises(InvalidCard, match="exceeds the captured amount") as caught:
        gateway.refund(charge.charge_id, Money(1001, "USD"), "refund-1")
    assert caught.value.code == "refund_too_large"
    assert gateway.refunded_total(charge.charge_id) == 0


def test_second_refund_over_the_remainder_is_refused(gateway: SandboxGateway) -> None:
    charge = charge_of(gateway, VISA)
    gateway.refund(charge.charge_id, Money(600, "USD"), "refund-1")
    with pytest.raises(InvalidCard, match="exceeds the captured amount"):
        gateway.refund(charge.charge_id, Money(401, "USD"), "refund-2")
    assert gateway.refunded_total(charge.charge_id) == 600


def test_refund_in_another_currency_is_refused(gateway: SandboxGateway) -> None:
    charge = charge_of(gateway, VISA)
    with pytest.raises(InvalidCard, match="exceeds the captured amount"):
        gateway.refund(charge.charge_id, Money(100, "EUR"), "refund-1")


def test_repeated_refund_key_returns_the_same_receipt_and_moves_no_money(
    gateway: SandboxGateway,
) -> None:
    charge = charge_of(gateway, VISA)
    first = gateway.refund(charge.charge_id, Money(600, "USD"), "refund-1")
    assert gateway.refund(charge.charge_id, Money(600, "USD"), "refund-1") == first
    assert gateway.refunded_total(charge.charge_id) == 600


def test_refund_of_an_unknown_charge_is_refused(gateway: SandboxGateway) -> None:
    with pytest.raises(InvalidCard, match="Unknown charge") as caught:
        gateway.refund("ch_nonsense", USD_10, "refund-1")
    assert caught.value.code == "unknown_charge"


def test_charges_survive_a_new_gateway_instance(clock: TestClock) -> None:
    # Tokens and charge ids carry what later calls need, so another process can use them.
    token = token_for(SandboxGateway(clock), VISA)
    charge = SandboxGateway(clock).charge(token, USD_10, "key-1")
    assert SandboxGateway(clock).refund(charge.charge_id, USD_10, "r").amount == USD_10


@pytest.mark.parametrize(
    "number",
    [
        VISA,
        MASTERCARD,
        GENERIC_DECLINE,
        INSUFFICIENT_FUNDS,
        EXPIRED_CARD,
        STOLEN_CARD,
        PROCESSING_ERROR,
        ADDED_THEN_DECLINED,
    ],
)
def test_documented_test_cards_pass_the_luhn_check(number: str) -> None:
    assert luhn_valid(number.replace(" ", ""))


@pytest.mark.parametrize(
    ("number", "brand"),
    [
        ("4242424242424242", "visa"),
        ("5105105105105100", "mastercard"),
        ("2223003122003222", "mastercard"),
        ("378282246310005", "amex"),
        ("6011111111111117", "card"),
    ],
)
def test_card_brand_from_the_number(number: str, brand: str) -> None:
    assert card_brand(number) == brand


def test_processes_sharing_a_ledger_file_give_one_answer_per_key(tmp_path: Path) -> None:
    clock = TestClock(datetime(2026, 1, 15, tzinfo=UTC))
    first = SandboxGateway(clock, SqliteLedger(tmp_path / "ledger.db"))
    second = SandboxGateway(clock, SqliteLedger(tmp_path / "ledger.db"))
    token = first.tokenize_card("4242424242424242", 12, 2030, "123").token
    charge = first.charge(token, Money(1000, "USD"), "period:1")
    assert second.charge(token, Money(1000, "USD"), "period:1") == charge
    assert second.ledger.captures() == 1
    second.refund(charge.charge_id, Money(600, "USD"), "refund:1")
    with pytest.raises(InvalidCard, match="exceeds"):
        first.refund(charge.charge_id, Money(500, "USD"), "refund:2")
    assert first.refunded_total(charge.charge_id) == 600
