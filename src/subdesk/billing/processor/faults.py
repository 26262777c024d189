"""The sandbox processor's knobs: latency, jitter, a rate limit, withheld answers, injected 500s.

Every knob can be changed while the processor runs (`POST /_sandbox/config`);
the dice are seeded so that a run can be repeated.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import asdict, dataclass, fields
from typing import Any


@dataclass(slots=True)
class Faults:
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    # Requests per second the API takes; beyond it a 429 (0: no limit).
    rate_limit: float = 0.0
    # Share (0..1) of charges made and then answered too late for the client, or never.
    timeout_after_charge: float = 0.0
    # How long such an answer is held back: longer than any client's timeout.
    withhold_seconds: float = 30.0
    # Share (0..1) of API requests answered 500 before anything is done.
    error_500: float = 0.0
    # Idempotency keys older than this are forgotten (Stripe: 24 hours).
    forget_keys_after: float = 86400.0
    seed: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


SHARES = ("timeout_after_charge", "error_500")


def updated(faults: Faults, changes: dict[str, Any]) -> Faults:
    """`faults` with `changes` (names and values as strings or numbers); ValueError if invalid."""
    known = {field.name for field in fields(Faults)}
    values = faults.as_dict()
    for name, value in changes.items():
        if name not in known:
            raise ValueError(f"unknown knob {name!r}")
        if name == "seed":
            values[name] = None if value in (None, "") else int(value)
            continue
        number = float(value)
        if number < 0 or (name in SHARES and number > 1):
            raise ValueError(f"{name} out of range")
        values[name] = number
    return Faults(**values)


class Dice:
    """The seeded randomness behind latency, 500s and withheld answers (thread-safe)."""

    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(seed)  # noqa: S311 - fault injection, not security
        self._lock = threading.Lock()

    def chance(self, share: float) -> bool:
        if share <= 0:
            return False
        with self._lock:
            return self._random.random() < share

    def delay_seconds(self, faults: Faults) -> float:
        with self._lock:
            jitter = self._random.uniform(-faults.jitter_ms, faults.jitter_ms)
        return max(0.0, faults.latency_ms + jitter) / 1000


class RateLimiter:
    """A token bucket holding one second of requests: bursts up to the rate, then the rate."""

    def __init__(self) -> None:
        self._tokens = 0.0
        self._rate = 0.0
        self._at = time.monotonic()
        self._lock = threading.Lock()

    def retry_after(self, rate: float) -> float | None:
        """None if the request may go ahead now, else seconds until one may."""
        if rate <= 0:
            return None
        with self._lock:
            now = time.monotonic()
            if rate != self._rate:
                self._rate, self._tokens = rate, rate
            self._tokens = min(rate, self._tokens + (now - self._at) * rate)
            self._at = now
            if self._tokens >= 1:
                self._tokens -= 1
                return None
            return (1 - self._tokens) / rate
