"""API shapes of the partner API."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from subdesk.models import Subscription
from subdesk.schemas import Input
from subdesk.subscriptions.views import protection


class ProvisionIn(Input):
    email: EmailStr
    plan: str = Field(min_length=1, max_length=60, examples=["total5-year-usd"])
    country: str = Field(min_length=2, max_length=2, examples=["US"])
    locale: str | None = Field(default=None, examples=["en", "de"])
    name: str | None = Field(default=None, max_length=200)


class PartnerSubscriptionOut(BaseModel):
    external_id: str
    subscription_id: uuid.UUID
    status: str
    protected: bool
    current_period_end: datetime

    @classmethod
    def of(
        cls, external_id: str, subscription: Subscription, now: datetime
    ) -> PartnerSubscriptionOut:
        return cls(
            external_id=external_id,
            subscription_id=subscription.id,
            status=subscription.status,
            protected=protection(subscription, now).protected,
            current_period_end=subscription.current_period_end,
        )
