"""Rate limits kept in this process: moving windows (the `limits` library), or per-minute counts.

Sign-in, sign-up, password-reset requests and the public cancellation page are limited per
email and per client address;
the app's activation and check-in per device token and per address. A refusal says when
to come back.
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItemPerMinute
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from subdesk.errors import RateLimited


class Limiter:
    def __init__(self, name: str, per_minute: int, *, fixed_window: bool = False) -> None:
        """A moving window (the `limits` library) counts exactly, at a cost that grows with
        the limit and the keys; `fixed_window` counts per calendar minute at O(1) a hit (the
        hot path's choice), letting up to twice the limit through at the turn of a minute."""
        self._name = name
        self._item = RateLimitItemPerMinute(per_minute)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())
        self._minute = _MinuteCounts(per_minute) if fixed_window else None

    def hit(self, keys: list[str], message: str, field: str | None = None) -> None:
        """Count one request against every key; refuse it if any key is over its limit."""
        if self._minute is not None:
            wait = self._minute.hit(keys)
            if wait:
                raise RateLimited(message, field=field, retry_after=wait)
            return
        # Every key takes its hit, so one exhausted key does not spare the others.
        allowed = [self._limiter.hit(self._item, self._name, key) for key in keys]
        if all(allowed):
            return
        reset = max(
            self._limiter.get_window_stats(self._item, self._name, key).reset_time for key in keys
        )
        raise RateLimited(message, field=field, retry_after=max(1, math.ceil(reset - time.time())))


class EmailAndAddressLimiter(Limiter):
    """Counts a request against its email address (trimmed, lowercased) and its client
    address: neither one address trying many emails nor many addresses one email gets far."""

    message = "Too many attempts. Wait a minute and try again."

    def check(self, email: str, client_ip: str | None) -> None:
        self.hit(
            [f"email:{email.strip().lower()}", f"ip:{client_ip or 'unknown'}"],
            self.message,
            field="email",
        )


class SignInLimiter(EmailAndAddressLimiter):
    message = "Too many sign-in attempts. Wait a minute and try again."

    def __init__(self, per_minute: int) -> None:
        super().__init__("sign-in", per_minute)


class SignUpLimiter(EmailAndAddressLimiter):
    message = "Too many sign-ups from here or for this email address. Wait a minute and try again."

    def __init__(self, per_minute: int) -> None:
        super().__init__("sign-up", per_minute)


class PasswordResetLimiter(EmailAndAddressLimiter):
    message = "Too many reset links asked for. Wait a minute and try again."

    def __init__(self, per_minute: int) -> None:
        super().__init__("password-reset", per_minute)


class DeclarationLimiter(EmailAndAddressLimiter):
    message = (
        "Too many cancellations sent from here or for this email address. "
        "Wait a minute and try again."
    )

    def __init__(self, per_minute: int) -> None:
        super().__init__("declaration", per_minute)


class _MinuteCounts:
    """Requests per key in the current minute, all dropped at once when the minute turns.

    Not `limits`' MemoryStorage: it starts a thread every 10 ms that walks every key, which
    with one key per device takes most of a core at 100,000 devices.
    """

    def __init__(self, per_minute: int) -> None:
        self._limit = per_minute
        self._minute = 0
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def hit(self, keys: list[str]) -> int:
        """Count a request against every key: 0 if allowed, else the seconds to wait."""
        now = time.time()
        minute = int(now // 60)
        over = False
        with self._lock:
            if minute != self._minute:
                self._minute, self._counts = minute, {}
            for key in keys:
                count = self._counts[key] = self._counts.get(key, 0) + 1
                over = over or count > self._limit
        return max(1, math.ceil((minute + 1) * 60 - now)) if over else 0
