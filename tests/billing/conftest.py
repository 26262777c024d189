"""Both gateways behind one harness: the in-process sandbox, and Stripe's SDK over HTTP to the
sandbox processor (started once per session on a free loopback port)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Protocol

import httpx2 as httpx
import pytest

from subdesk.billing.gateway import PaymentGateway
from subdesk.billing.sandbox import SandboxGateway
from subdesk.billing.stripe_gateway import StripeGateway
from subdesk.clock import TestClock
from tests.billing.processor_server import ProcessorServer

API_KEY = "sk_test_subdesk"


class Harness(Protocol):
    gateway: PaymentGateway

    def authenticate(self, payment_ref: str, reference: str) -> None:
        """The customer passes 3-D Secure for the waiting payment."""

    def forget_keys(self) -> None: ...

    def captures(self) -> int: ...


class InProcess:
    def __init__(self) -> None:
        self.sandbox = SandboxGateway(TestClock(datetime(2026, 1, 15, tzinfo=UTC)))
        self.gateway: PaymentGateway = self.sandbox

    def authenticate(self, payment_ref: str, reference: str) -> None:
        self.sandbox.authenticate(reference)

    def forget_keys(self) -> None:
        self.sandbox.ledger.forget_keys()

    def captures(self) -> int:
        return self.sandbox.ledger.captures()


class OverHttp:
    def __init__(self, server: ProcessorServer) -> None:
        self.server = server
        self.gateway: PaymentGateway = StripeGateway(
            API_KEY, api_base=server.url, timeout_seconds=5
        )

    def authenticate(self, payment_ref: str, reference: str) -> None:
        headers = {"Authorization": f"Bearer {API_KEY}"}
        url = f"{self.server.url}/v1/payment_intents/{payment_ref}/confirm"
        httpx.post(url, headers=headers, timeout=5).raise_for_status()

    def forget_keys(self) -> None:
        self.server.control("forget-keys")

    def captures(self) -> int:
        return int(self.server.control("stats")["totals"].get("captures", 0))


@pytest.fixture(scope="session")
def processor() -> Iterator[ProcessorServer]:
    server = ProcessorServer().start()
    yield server
    server.stop()


@pytest.fixture
def fresh_processor(processor: ProcessorServer) -> ProcessorServer:
    """The session's processor with its memory, statistics and knobs reset."""
    processor.control("reset")
    return processor


@pytest.fixture(params=["in_process", "http"])
def harness(request: pytest.FixtureRequest) -> Harness:
    if request.param == "in_process":
        return InProcess()
    return OverHttp(request.getfixturevalue("fresh_processor"))
