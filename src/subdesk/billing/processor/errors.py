"""Stripe's error bodies: `{"error": {"type", "code", "message", "param", "decline_code", ...}}`."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A refusal answered with Stripe's status and error body."""

    def __init__(
        self,
        status: int,
        kind: str,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        decline_code: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.kind = kind
        self.message = message
        self.code = code
        self.param = param
        self.decline_code = decline_code
        self.extra = extra or {}

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"type": self.kind, "message": self.message}
        for name, value in (
            ("code", self.code),
            ("param", self.param),
            ("decline_code", self.decline_code),
        ):
            if value is not None:
                error[name] = value
        return {"error": {**error, **self.extra}}


def invalid_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, "invalid_request_error", message, param=param, code=code)


def missing(kind: str, object_id: str, param: str = "id") -> ApiError:
    return ApiError(
        404,
        "invalid_request_error",
        f"No such {kind}: '{object_id}'",
        code="resource_missing",
        param=param,
    )
