"""Shapes shared by every API module: money and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from subdesk.money import Money


class MoneyOut(BaseModel):
    amount: int
    currency: str

    @classmethod
    def of(cls, amount: int, currency: str) -> MoneyOut:
        return cls(amount=amount, currency=currency)

    @classmethod
    def from_money(cls, money: Money) -> MoneyOut:
        return cls(amount=money.amount, currency=money.currency)


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERRORS: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorBody} for status in (400, 401, 402, 404, 409, 422, 429)
}
