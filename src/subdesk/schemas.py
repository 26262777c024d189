"""Shapes shared by every API module: the base of request bodies, money and the error body."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, field_validator

from subdesk.money import Money
from subdesk.text import has_control_characters


class Input(BaseModel):
    """A request body: no text in it, at any depth, holds a control character."""

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if _holds_control(value):
            raise ValueError("must not contain control characters (such as NUL)")
        return value


def _holds_control(value: Any) -> bool:
    if isinstance(value, str):
        return has_control_characters(value)
    if isinstance(value, list | tuple | set | frozenset):
        return any(_holds_control(item) for item in value)
    if isinstance(value, dict):
        return any(_holds_control(k) or _holds_control(v) for k, v in value.items())
    return False


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
