"""Sign-in rate limiting (the `limits` library): per email and per client address."""

from __future__ import annotations

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from subdesk.errors import RateLimited


class SignInLimiter:
    def __init__(self, per_minute: int) -> None:
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, email: str, client_ip: str | None) -> None:
        keys = [f"email:{email.strip().lower()}", f"ip:{client_ip or 'unknown'}"]
        # Evaluate both, so one exhausted key does not spare the other its hit.
        allowed = [self._limiter.hit(self._item, "sign-in", key) for key in keys]
        if not all(allowed):
            raise RateLimited(
                "Too many sign-in attempts. Wait a minute and try again.", field="email"
            )
