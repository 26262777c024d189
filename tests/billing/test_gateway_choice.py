"""SUBDESK_GATEWAY chooses the processor; the Stripe key is never shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import SecretStr

from subdesk.billing.sandbox import SandboxGateway
from subdesk.billing.stripe_gateway import StripeGateway
from subdesk.clock import TestClock
from subdesk.config import Settings
from subdesk.runtime import build_gateway

CLOCK = TestClock(datetime(2026, 1, 15, tzinfo=UTC))


def test_sandbox_is_the_default() -> None:
    assert isinstance(build_gateway(Settings(sandbox_ledger=None), CLOCK), SandboxGateway)


def test_stripe_is_chosen_with_its_base_and_key_kept_out_of_sight() -> None:
    settings = Settings(
        gateway="stripe",
        stripe_api_key=SecretStr("sk_test_secret123"),
        stripe_api_base="http://127.0.0.1:12111",
    )
    gateway = build_gateway(settings, CLOCK)
    assert isinstance(gateway, StripeGateway)
    assert gateway.api_base == "http://127.0.0.1:12111"
    assert "sk_test_secret123" not in repr(gateway) + repr(settings)


def test_stripe_without_a_key_is_refused() -> None:
    with pytest.raises(ValueError, match="SUBDESK_STRIPE_API_KEY"):
        build_gateway(Settings(gateway="stripe"), CLOCK)
