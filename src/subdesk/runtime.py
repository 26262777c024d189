"""build_runtime(): the long-lived parts of a process (clock, payment gateway, signing key),
for the web app and the worker alike; importing it does not import the web app."""

from __future__ import annotations

from pathlib import Path

from subdesk.billing.gateway import PaymentGateway
from subdesk.billing.sandbox import SandboxGateway
from subdesk.billing.sandbox_ledger import SqliteLedger
from subdesk.billing.tax.provider import build_tax_provider
from subdesk.clock import Clock, SystemClock
from subdesk.config import Settings
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.receipts import ReceiptSigner
from subdesk.sandbox_clock import SandboxClock


def build_runtime(
    settings: Settings,
    clock: Clock | None = None,
    gateway: PaymentGateway | None = None,
    database: Database | None = None,
) -> Runtime:
    if clock is None and settings.sandbox_clock:
        clock = SandboxClock(database or Database(settings.database_url))
    clock = clock or SystemClock()
    if settings.signing_key:
        signer = ReceiptSigner.from_seed(settings.signing_key)
    else:
        signer = ReceiptSigner.from_file(Path(settings.signing_key_file))
    if gateway is None:
        gateway = build_gateway(settings, clock)
    return Runtime(
        settings=settings,
        clock=clock,
        gateway=gateway,
        signer=signer,
        tax=build_tax_provider(settings),
    )


def build_gateway(settings: Settings, clock: Clock) -> PaymentGateway:
    """The card processor SUBDESK_GATEWAY names: the in-process sandbox or Stripe's API."""
    if settings.gateway == "stripe":
        from subdesk.billing.stripe_gateway import StripeGateway

        if settings.stripe_api_key is None:
            raise ValueError("SUBDESK_GATEWAY=stripe needs SUBDESK_STRIPE_API_KEY")
        return StripeGateway(
            settings.stripe_api_key.get_secret_value(),
            api_base=settings.stripe_api_base,
            timeout_seconds=settings.gateway_timeout_seconds,
        )
    ledger = SqliteLedger(Path(settings.sandbox_ledger)) if settings.sandbox_ledger else None
    return SandboxGateway(clock, ledger)
