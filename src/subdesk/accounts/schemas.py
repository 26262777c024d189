"""API shapes of accounts and sign-in."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, EmailStr, Field

from subdesk.accounts.rules import BillingAddressFields
from subdesk.billing.tax.rules import Jurisdiction, prices_include_tax
from subdesk.models import Account, BillingAddress
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


class BillingAddressIn(Input):
    """The address to bill; a VAT ID makes the customer a business (checked, then kept)."""

    name: str = Field(min_length=1, max_length=200, examples=["Erika Mustermann GmbH"])
    line1: str = Field(min_length=1, max_length=200, examples=["Heidestraße 17"])
    line2: str | None = Field(default=None, max_length=200)
    postal_code: str | None = Field(default=None, max_length=20, examples=["51147"])
    city: str = Field(min_length=1, max_length=100, examples=["Köln"])
    country: str = Field(min_length=2, max_length=2, examples=["DE"])
    subdivision: str | None = Field(
        default=None, max_length=6, description="ISO 3166-2, e.g. NY or US-NY", examples=["NW"]
    )
    vat_id: str | None = Field(default=None, max_length=40, examples=["DE136695976"])

    def fields(self) -> BillingAddressFields:
        return BillingAddressFields(**self.model_dump())


class BillingAddressOut(BaseModel):
    name: str
    line1: str
    line2: str | None
    postal_code: str | None
    city: str
    country: str
    subdivision: str | None
    vat_id: str | None
    tax_jurisdiction: str = Field(description="What the tax follows: DE, US-NY, ...")
    prices_include_tax: bool = Field(
        description="Prices are what the customer pays (EU, UK), or tax is added (US)"
    )
    updated_at: datetime

    @classmethod
    def of(cls, address: BillingAddress) -> BillingAddressOut:
        where = Jurisdiction(address.country, address.subdivision)
        return cls(
            name=address.name,
            line1=address.line1,
            line2=address.line2,
            postal_code=address.postal_code,
            city=address.city,
            country=address.country,
            subdivision=address.subdivision,
            vat_id=address.vat_id,
            tax_jurisdiction=where.code,
            prices_include_tax=prices_include_tax(address.country),
            updated_at=address.updated_at,
        )
