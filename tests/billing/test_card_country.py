"""The card's issuing country, as the processor reports it: evidence for tax."""

from __future__ import annotations

from subdesk.billing.stripe_gateway import StripeGateway
from tests.billing.conftest import API_KEY
from tests.billing.processor_server import ProcessorServer


def test_a_card_from_stripe_carries_its_issuing_country(fresh_processor: ProcessorServer) -> None:
    gateway = StripeGateway(API_KEY, api_base=fresh_processor.url, timeout_seconds=5)
    assert gateway.tokenize_card("4242424242424242", 12, 2030, "123").country == "US"
