"""The one error tree of subdesk and its rendering as `{"error": {code, message, field}}`.

    SubdeskError                  (status 400)
    ├── InvalidRequest            400  well-formed but unacceptable input
    ├── NotAuthenticated          401  no or bad credentials
    ├── PaymentFailed             402  the gateway declined or could not be reached
    ├── NotFound                  404  absent, or not yours (never 403: ids do not leak)
    ├── Conflict                  409  the state forbids it (illegal transition, reused key)
    ├── TooLarge                  413  more than an endpoint reads (a page over 1 MB)
    ├── RateLimited               429
    └── ServiceUnavailable        503  the database is away, or not migrated yet

Services raise these; only `app.py` turns them into HTTP responses.
"""

from __future__ import annotations


class SubdeskError(Exception):
    status = 400
    code = "error"

    def __init__(self, message: str, *, code: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.field = field

    def as_body(self) -> dict[str, dict[str, str | None]]:
        return {"error": {"code": self.code, "message": self.message, "field": self.field}}


class InvalidRequest(SubdeskError):
    status = 400
    code = "invalid_request"


class NotAuthenticated(SubdeskError):
    status = 401
    code = "not_authenticated"


class PaymentFailed(SubdeskError):
    status = 402
    code = "payment_failed"


class NotFound(SubdeskError):
    status = 404
    code = "not_found"


class Conflict(SubdeskError):
    status = 409
    code = "conflict"


class TooLarge(SubdeskError):
    status = 413
    code = "too_large"


class RateLimited(SubdeskError):
    status = 429
    code = "rate_limited"

    def __init__(self, message: str, *, field: str | None = None, retry_after: int = 60) -> None:
        super().__init__(message, field=field)
        self.retry_after = retry_after


class ServiceUnavailable(SubdeskError):
    status = 503
    code = "service_unavailable"

    def __init__(self, message: str, *, code: str | None = None, retry_after: int = 5) -> None:
        super().__init__(message, code=code)
        self.retry_after = retry_after
