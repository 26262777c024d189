"""The sandbox processor's memory: Stripe objects by id, refunded amounts, disputes, statistics.

One lock guards it all; every operation on it is short and never waits on I/O,
so the asyncio server and any threads share it safely.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

KEEP_SECONDS = 120  # per-second statistics kept


def new_id(prefix: str) -> str:
    return f"{prefix}_{secrets.token_hex(12)}"


def now() -> int:
    return int(time.time())


@dataclass
class Card:
    """What the processor knows of a payment method's card beyond its Stripe shape."""

    outcome: str  # "approve" or a decline / error code from the test-card table
    disputed_later: bool = False


@dataclass
class State:
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    payment_methods: dict[str, dict[str, Any]] = field(default_factory=dict)
    cards: dict[str, Card] = field(default_factory=dict)
    intents: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunds: dict[str, dict[str, Any]] = field(default_factory=dict)
    refunded: dict[str, int] = field(default_factory=dict)  # payment intent id -> minor units
    disputable: list[str] = field(default_factory=list)  # captured intents on "disputed" cards
    disputes: dict[str, dict[str, Any]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)


class Stats:
    """Counts of requests, captures, refunds and faults: in total and per second."""

    def __init__(self) -> None:
        self._totals: Counter[str] = Counter()
        self._seconds: dict[int, Counter[str]] = {}
        self._lock = threading.Lock()

    def count(self, name: str) -> None:
        second = int(time.time())
        with self._lock:
            self._totals[name] += 1
            self._seconds.setdefault(second, Counter())[name] += 1
            for old in [s for s in self._seconds if s < second - KEEP_SECONDS]:
                del self._seconds[old]

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            seconds = {str(s): dict(c) for s, c in sorted(self._seconds.items())}
            peak = max((c["requests"] for c in self._seconds.values()), default=0)
            return {"totals": dict(self._totals), "per_second": seconds, "peak_requests": peak}

    def reset(self) -> None:
        with self._lock:
            self._totals.clear()
            self._seconds.clear()
