"""Tax decisions: what each charge was taxed, by which rule, and the evidence of where the
customer was (kept with the financial records)."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class TaxDecision(Base):
    """One answer of the tax provider for a charge, written when the charge's amount is set.

    `basis` says where the jurisdiction came from: the billing address, or the account's
    country and region when none was set. The card's country is recorded beside it: the
    OSS rules ask for two pieces of evidence of the customer's location that agree."""

    __tablename__ = "tax_decisions"

    id: Mapped[uuid.UUID] = uuid_pk()
    account_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("accounts.id"), index=True)
    decided_at: Mapped[datetime]
    supplied_on: Mapped[date]
    provider: Mapped[str] = mapped_column(String(60))
    jurisdiction: Mapped[str] = mapped_column(String(10))
    rate: Mapped[str] = mapped_column(String(20))  # percent, exact ("19", "25.5")
    net_minor: Mapped[int]
    tax_minor: Mapped[int]
    gross_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    price_includes_tax: Mapped[bool]
    reverse_charge: Mapped[bool]
    vat_id: Mapped[str | None] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(Text)
    basis: Mapped[str] = mapped_column(String(20))  # "billing_address" | "account"
    address_country: Mapped[str | None] = mapped_column(String(2))
    address_subdivision: Mapped[str | None] = mapped_column(String(6))
    account_country: Mapped[str] = mapped_column(String(2))
    account_region: Mapped[str | None] = mapped_column(String(6))
    card_country: Mapped[str | None] = mapped_column(String(2))
