"""API shapes of accounts and sign-in."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from subdesk.models import Account
from subdesk.schemas import Input


class SignUp(Input):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)
    name: str | None = Field(default=None, max_length=200)
    country: str = Field(min_length=2, max_length=2, examples=["US"])
    region: str | None = Field(default=None, max_length=6, examples=["CA"])
    locale: str | None = Field(default="en", examples=["en", "de"])


class SignUpAccepted(BaseModel):
    """The same answer whether or not the address already had an account."""

    status: str = "accepted"
    message: str = (
        "Check your inbox: we have sent an email to this address. "
        "A new account can sign in with its password right away."
    )


class SignIn(Input):
    email: EmailStr
    password: str = Field(min_length=1, max_length=256)


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"  # noqa: S105 - the OAuth token type, not a secret
    expires_at: datetime


class AccountOut(BaseModel):
    id: uuid.UUID
    email: str | None
    name: str | None
    country: str
    region: str | None
    locale: str
    created_at: datetime

    @classmethod
    def of(cls, account: Account) -> AccountOut:
        return cls(
            id=account.id,
            email=account.email,
            name=account.name,
            country=account.country,
            region=account.region,
            locale=account.locale,
            created_at=account.created_at,
        )


class CloseIn(Input):
    reason: str | None = Field(default=None, max_length=500)


class AccountClosedOut(BaseModel):
    closed: bool = True
    cancellations: list[str]
