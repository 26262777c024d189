"""What a unit of work carries: the session, the clock, the gateway, the signer and who acts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from subdesk.audit.log import SYSTEM, Actor
from subdesk.billing.gateway import PaymentGateway
from subdesk.billing.tax.provider import TableTaxProvider, TaxProvider
from subdesk.channels.partners.provider import HttpProviderStatus, ProviderStatus
from subdesk.clock import Clock
from subdesk.config import Settings
from subdesk.receipts import ReceiptSigner
from subdesk.subscriptions.schedule import DunningPolicy


@dataclass(frozen=True, slots=True)
class Runtime:
    """The long-lived parts, built once per process."""

    settings: Settings
    clock: Clock
    gateway: PaymentGateway
    signer: ReceiptSigner
    dunning: DunningPolicy = DunningPolicy()
    # Asks a service provider whether a suspension is resolved (an HTTP call in production).
    providers: ProviderStatus = field(default_factory=HttpProviderStatus)
    # Decides the tax of each charge (SUBDESK_TAX_PROVIDER; the rule table by default).
    tax: TaxProvider = field(default_factory=TableTaxProvider)


@dataclass(frozen=True, slots=True)
class Work:
    """One transaction's worth of context, handed to every service function."""

    session: Session
    runtime: Runtime
    actor: Actor = SYSTEM
    client_ip: str | None = None
    user_agent: str | None = None
    # Things read once per unit of work (plans, webhook endpoints), kept for its length.
    cache: dict[object, object] = field(default_factory=dict)

    @property
    def now(self) -> datetime:
        return self.runtime.clock.now()

    @property
    def gateway(self) -> PaymentGateway:
        return self.runtime.gateway

    @property
    def settings(self) -> Settings:
        return self.runtime.settings
