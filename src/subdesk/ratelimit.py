"""Rate limits (the `limits` library, a moving window per key, kept in this process).

Sign-in is limited per email and per client address; the app's activation and
check-in per device token and per address. A refusal says when to come back.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from subdesk.errors import RateLimited


class Limiter:
    def __init__(self, name: str, per_minute: int) -> None:
        self._name = name
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def hit(self, keys: list[str], message: str, field: str | None = None) -> None:
        """Count one request against every key; refuse it if any key is over its limit."""
        # Every key takes its hit, so one exhausted key does not spare the others.
        allowed = [self._limiter.hit(self._item, self._name, key) for key in keys]
        if all(allowed):
            return
        reset = max(
            self._limiter.get_window_stats(self._item, self._name, key).reset_time for key in keys
        )
        raise RateLimited(message, field=field, retry_after=max(1, math.ceil(reset - time.time())))


class SignInLimiter(Limiter):
    def __init__(self, per_minute: int) -> None:
        super().__init__("sign-in", per_minute)

    def check(self, email: str, client_ip: str | None) -> None:
        self.hit(
            [f"email:{email.strip().lower()}", f"ip:{client_ip or 'unknown'}"],
            "Too many sign-in attempts. Wait a minute and try again.",
            field="email",
        )
