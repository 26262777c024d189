"""API shapes of the catalog."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from subdesk.catalog.service import PlanOffer
from subdesk.schemas import MoneyOut


class ServiceOut(BaseModel):
    code: str
    name: str


class DisclosureOut(BaseModel):
    version: int
    text: str


class PlanOut(BaseModel):
    id: uuid.UUID
    code: str
    name: str
    product: str
    services: list[ServiceOut]
    period: str
    seats: int
    trial_days: int
    intro_price: MoneyOut | None
    renewal_price: MoneyOut
    money_back_guarantee_days: int
    disclosure: DisclosureOut

    @classmethod
    def of(cls, offer: PlanOffer) -> PlanOut:
        plan = offer.plan
        intro = plan.intro_price_minor
        return cls(
            id=plan.id,
            code=plan.code,
            name=plan.name,
            product=offer.product.name,
            services=[ServiceOut(code=s.code, name=s.name) for s in offer.product.services],
            period=plan.period,
            seats=plan.seats,
            trial_days=plan.trial_days,
            intro_price=MoneyOut.of(intro, plan.currency) if intro is not None else None,
            renewal_price=MoneyOut.of(plan.renewal_price_minor, plan.currency),
            money_back_guarantee_days=plan.guarantee_days,
            disclosure=DisclosureOut(version=offer.disclosure.version, text=offer.disclosure.text),
        )
