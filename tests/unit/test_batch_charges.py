"""Charges asked for in one call: each card answered as alone, declines in the middle of a
batch included, and each renewal's charge answered from the batch; lost attempts looked up
many at a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from subdesk.billing.batch import (
    AnsweredGateway,
    NoCallInTransaction,
    charge_all,
    find_all,
    takes_batches,
)
from subdesk.billing.gateway import (
    CardDeclined,
    Charge,
    ChargeAttempt,
    GatewayRateLimited,
    GatewayUnavailable,
)
from subdesk.billing.sandbox import SandboxGateway
from subdesk.billing.sandbox_ledger import Ledger, MemoryLedger, SqliteLedger
from subdesk.clock import TestClock
from subdesk.money import Money

USD_10 = Money(1000, "USD")
CARDS = {
    "visa": "4242424242424242",
    "declined": "4000000000000002",
    "stolen": "4000000000009979",
    "unreachable": "4000000000000119",
    "mastercard": "5555555555554444",
}


@pytest.fixture(params=["memory", "file"])
def gateway(request: pytest.FixtureRequest, tmp_path: Path) -> SandboxGateway:
    ledger: Ledger = (
        MemoryLedger() if request.param == "memory" else SqliteLedger(tmp_path / "p.db")
    )
    return SandboxGateway(TestClock(datetime(2026, 1, 15, tzinfo=UTC)), ledger)


def attempts(gateway: SandboxGateway, *names: str) -> list[ChargeAttempt]:
    tokens = {name: gateway.tokenize_card(CARDS[name], 12, 2030, "123").token for name in CARDS}
    return [ChargeAttempt(tokens[name], USD_10, f"key-{i}") for i, name in enumerate(names)]


def kinds(answers: list[Any]) -> list[str]:
    return [a.decline_code if isinstance(a, CardDeclined) else type(a).__name__ for a in answers]


def test_a_decline_in_the_middle_of_a_batch_answers_that_card_only(
    gateway: SandboxGateway,
) -> None:
    batch = attempts(gateway, "visa", "declined", "mastercard", "stolen", "unreachable", "visa")
    answers = gateway.charge_many(batch)
    assert kinds(answers) == [
        "Charge",
        "generic_decline",
        "Charge",
        "stolen_card",
        "GatewayUnavailable",
        "Charge",
    ]
    assert gateway.ledger.captures() == 3
    assert [a.amount for a in answers if isinstance(a, Charge)] == [USD_10] * 3


def test_a_repeated_batch_repeats_the_answers_not_the_charges(gateway: SandboxGateway) -> None:
    batch = attempts(gateway, "visa", "declined", "unreachable", "mastercard")
    first = gateway.charge_many(batch)
    again = gateway.charge_many(batch)
    assert [a.charge_id for a in again if isinstance(a, Charge)] == [
        a.charge_id for a in first if isinstance(a, Charge)
    ]
    assert kinds(again) == kinds(first)
    assert gateway.ledger.captures() == 2


def test_one_charge_after_the_batch_gets_the_batchs_answer(gateway: SandboxGateway) -> None:
    visa, declined = attempts(gateway, "visa", "declined")
    (charged, _) = gateway.charge_many([visa, declined])
    assert gateway.charge(visa.token, visa.amount, visa.idempotency_key) == charged
    with pytest.raises(CardDeclined):
        gateway.charge(declined.token, declined.amount, declined.idempotency_key)
    assert gateway.ledger.captures() == 1


def test_the_same_key_twice_in_one_batch_is_charged_once(gateway: SandboxGateway) -> None:
    (visa,) = attempts(gateway, "visa")
    first, second = gateway.charge_many([visa, visa])
    assert first == second
    assert gateway.ledger.captures() == 1


class CountingGateway:
    """Forwards to the sandbox and counts the calls; offers no batch of its own."""

    def __init__(self, inner: SandboxGateway) -> None:
        self.inner = inner
        self.calls = 0

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        self.calls += 1
        return self.inner.charge(token, amount, idempotency_key)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def test_a_processor_without_batches_is_asked_one_by_one(gateway: SandboxGateway) -> None:
    counting = CountingGateway(gateway)
    assert takes_batches(gateway)
    assert not takes_batches(counting)  # type: ignore[arg-type]
    answers = charge_all(counting, attempts(gateway, "visa", "declined", "visa"))  # type: ignore[arg-type]
    assert counting.calls == 3
    assert kinds(answers) == ["Charge", "generic_decline", "Charge"]


def test_answered_gateway_answers_from_the_batch_and_refuses_anything_else(
    gateway: SandboxGateway,
) -> None:
    batch = attempts(gateway, "visa", "declined", "unreachable")
    counting = CountingGateway(gateway)
    found = gateway.charge_many(batch)
    answers = {a.idempotency_key: (a, answer) for a, answer in zip(batch, found, strict=True)}
    answered = AnsweredGateway(counting, answers)  # type: ignore[arg-type]
    visa, declined, unreachable = batch
    assert isinstance(answered.charge(visa.token, visa.amount, visa.idempotency_key), Charge)
    with pytest.raises(CardDeclined):
        answered.charge(declined.token, declined.amount, declined.idempotency_key)
    with pytest.raises(GatewayUnavailable):
        answered.charge(unreachable.token, unreachable.amount, unreachable.idempotency_key)
    # Another amount under a batch key, or another key, was never asked before the
    # transaction: refused, and the processor is not asked from inside it.
    with pytest.raises(NoCallInTransaction):
        answered.charge(visa.token, Money(999, "USD"), visa.idempotency_key)
    with pytest.raises(NoCallInTransaction):
        answered.charge(visa.token, visa.amount, "key-other")
    assert counting.calls == 0


class SlowFinder:
    """A processor whose look-ups each wait for `together` of them to be in flight at once,
    and whose first look-up of every reference is refused with a 429."""

    def __init__(self, together: int) -> None:
        self.barrier = threading.Barrier(together, timeout=5)
        self.refused: set[str] = set()

    def find_charge(self, reference: str) -> Charge | None:
        if reference not in self.refused:
            self.refused.add(reference)
            raise GatewayRateLimited("busy", retry_after=0.01)
        self.barrier.wait()
        return Charge(f"ch_{reference}", USD_10) if reference != "never-seen" else None


def test_lost_attempts_are_looked_up_concurrently_and_asked_again_after_a_429() -> None:
    references = ["a", "never-seen", "c"]
    found = find_all(SlowFinder(3), references, concurrency=8)  # type: ignore[arg-type]
    assert found == [Charge("ch_a", USD_10), None, Charge("ch_c", USD_10)]
