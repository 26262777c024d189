"""Idempotency keys: the first response kept per key, replayed for a repeat, then forgotten.

As at Stripe, a repeat with other parameters (or on another endpoint) is an
`idempotency_error`, and only responses of requests that ran are kept.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from typing import Any

from subdesk.billing.processor.errors import ApiError


@dataclass(frozen=True, slots=True)
class KeptResponse:
    fingerprint: str
    status: int
    body: bytes
    at: float


def fingerprint(method: str, path: str, params: dict[str, Any]) -> str:
    return json.dumps([method, path, params], sort_keys=True)


class IdempotencyKeys:
    def __init__(self) -> None:
        self._kept: dict[str, KeptResponse] = {}
        self._lock = threading.Lock()

    def lookup(self, key: str, print_: str, forget_after: float) -> KeptResponse | None:
        """The kept response for this key, or None; raises if the key was used otherwise."""
        with self._lock:
            kept = self._kept.get(key)
            if kept is not None and time.monotonic() - kept.at > forget_after:
                del self._kept[key]
                kept = None
        if kept is not None and kept.fingerprint != print_:
            raise ApiError(
                400,
                "idempotency_error",
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{key[:255]}' if you meant "
                "to execute a different request.",
            )
        return kept

    def keep(self, key: str, print_: str, status: int, body: bytes) -> None:
        with self._lock:
            self._kept.setdefault(key, KeptResponse(print_, status, body, time.monotonic()))

    def forget_all(self) -> int:
        with self._lock:
            count = len(self._kept)
            self._kept.clear()
            return count
