"""API shapes of devices, activation and check-in."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, model_validator
from pydantic_core import to_json

from subdesk.licensing.checkin import CheckIn
from subdesk.models import Device
from subdesk.schemas import Input


class DeviceIn(Input):
    fingerprint: str = Field(min_length=8, max_length=200)
    name: str = Field(min_length=1, max_length=100, examples=["Anna's laptop"])
    platform: str = Field(examples=["windows", "macos", "android", "ios"])


class ActivateIn(Input):
    """Either a subscription of the signed-in customer (bearer token), or a product key."""

    subscription_id: uuid.UUID | None = None
    license_key: str | None = Field(
        default=None,
        min_length=10,
        max_length=80,
        description="A redeemed retail product key, instead of a bearer token and subscription.",
    )
    device: DeviceIn

    @model_validator(mode="after")
    def _one_way(self) -> ActivateIn:
        if (self.subscription_id is None) == (self.license_key is None):
            raise ValueError("send either subscription_id (with a bearer token) or license_key")
        return self


class RedeemIn(Input):
    key: str = Field(
        min_length=10, max_length=80, examples=["TOTAL5-7K3M9-Q2PXA-0RT4B-HW8NC-5DJEV-U"]
    )


class RenameIn(Input):
    name: str = Field(min_length=1, max_length=100)


class CheckInOut(BaseModel):
    code: str
    protected: bool
    protected_until: datetime | None
    message: str
    article_url: str = Field(description="The help center's article on this code.")
    actions: list[str]
    check_in_due: datetime
    offline_token: str

    @classmethod
    def of(cls, answer: CheckIn) -> CheckInOut:
        return cls(**cls._fields_of(answer))

    @classmethod
    def json_of(cls, answer: CheckIn) -> bytes:
        """The JSON of `of(answer)` (the same bytes: pydantic-core writes both), from the plain
        fields, without building and validating a model on the hot path."""
        return to_json(cls._fields_of(answer))

    @staticmethod
    def _fields_of(answer: CheckIn) -> dict[str, Any]:
        return dict(
            code=answer.verdict.code.value,
            protected=answer.verdict.protected,
            protected_until=answer.verdict.until,
            message=answer.message,
            article_url=answer.article_url,
            actions=[a.value for a in answer.verdict.actions],
            check_in_due=answer.check_in_due,
            offline_token=answer.offline_token,
        )


class DeviceOut(BaseModel):
    id: uuid.UUID
    subscription_id: uuid.UUID
    name: str
    platform: str
    activated_at: datetime
    last_seen_at: datetime

    @classmethod
    def of(cls, device: Device) -> DeviceOut:
        return cls.model_validate(device, from_attributes=True)


class ActivatedOut(BaseModel):
    device: DeviceOut
    device_token: str = Field(
        description="Keep it on the device; check in with it as a bearer token."
    )
    check_in: CheckInOut
