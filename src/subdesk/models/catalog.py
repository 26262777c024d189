"""Catalog tables: services, products made of them, plans and their versioned disclosures."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from subdesk.models.base import Base, uuid_pk
from subdesk.money import Money

product_services = Table(
    "product_services",
    Base.metadata,
    Column("product_id", ForeignKey("products.id"), primary_key=True),
    Column("service_id", ForeignKey("services.id"), primary_key=True),
)


class Service(Base):
    __tablename__ = "services"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))


class Product(Base):
    __tablename__ = "products"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    # An add-on is bought beside a main subscription and adds its services to it.
    addon: Mapped[bool] = mapped_column(default=False, server_default=false())
    services: Mapped[list[Service]] = relationship(secondary=product_services, lazy="raise")


class Plan(Base):
    __tablename__ = "plans"

    id: Mapped[uuid.UUID] = uuid_pk()
    code: Mapped[str] = mapped_column(String(60), unique=True)
    product_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("products.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    period: Mapped[str] = mapped_column(String(10))  # "month" | "year"
    seats: Mapped[int]
    trial_days: Mapped[int] = mapped_column(default=0)
    intro_price_minor: Mapped[int | None]
    renewal_price_minor: Mapped[int]
    currency: Mapped[str] = mapped_column(String(3))
    guarantee_days: Mapped[int]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    product: Mapped[Product] = relationship(lazy="raise")

    @property
    def renewal_price(self) -> Money:
        return Money(self.renewal_price_minor, self.currency)

    @property
    def intro_price(self) -> Money | None:
        if self.intro_price_minor is None:
            return None
        return Money(self.intro_price_minor, self.currency)


class Disclosure(Base):
    """The text a buyer saw next to the auto-renewal consent; never edited, only superseded."""

    __tablename__ = "disclosures"
    __table_args__ = (UniqueConstraint("plan_id", "version"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    plan_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("plans.id"), index=True)
    version: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime]
