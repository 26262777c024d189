"""Many charges asked of the processor with no transaction open, and their answers handed to
the renewals that record them.

The worker commits a batch's attempts, then asks for all their charges
(`charge_all`): in one call if the processor takes batches, else concurrently
in a bounded pool, paced to the processor's rate limit (`Pacer`), honouring a
429's Retry-After; the reconciler looks lost attempts up the same way
(`find_all`). The transaction that records the answers renews as usual, its
`charge` calls answered from them (`AnsweredGateway`), which never asks the
processor itself: no call is ever made while that transaction is open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import TypeVar, cast

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from subdesk.billing.gateway import (
    AuthenticationRequired,
    BatchGateway,
    CardDeclined,
    CardToken,
    Charge,
    ChargeAnswer,
    ChargeAttempt,
    ChargeFound,
    GatewayRateLimited,
    GatewayUnavailable,
    PaymentGateway,
    RefundReceipt,
)
from subdesk.money import Money


class Pacer:
    """At most `per_second` processor requests per second, counted in `storage_url` (Redis
    to share the limit across processes and machines, memory within one process)."""

    def __init__(self, per_second: int, storage_url: str = "memory://") -> None:
        self._item = RateLimitItemPerSecond(max(1, per_second))
        self._limiter = MovingWindowRateLimiter(storage_from_string(storage_url))
        self._quiet_until = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Block until one more request fits the limit (and any Retry-After has passed)."""
        while True:
            pause = self._quiet_until - time.monotonic()
            if pause > 0:
                time.sleep(pause)
                continue
            if self._limiter.hit(self._item, "processor"):
                return
            reset = self._limiter.get_window_stats(self._item, "processor").reset_time
            time.sleep(min(1.0, max(0.005, reset - time.time())))

    def back_off(self, seconds: float) -> None:
        """The processor said 429: every caller of this pacer waits `seconds`."""
        with self._lock:
            self._quiet_until = max(self._quiet_until, time.monotonic() + seconds)


def takes_batches(gateway: PaymentGateway) -> bool:
    """Whether the processor's class offers `charge_many` (a wrapper that merely forwards
    unknown attributes, like a test double around `charge`, does not count)."""
    return callable(getattr(type(gateway), "charge_many", None))


def charge_all(
    gateway: PaymentGateway,
    attempts: Sequence[ChargeAttempt],
    *,
    concurrency: int = 1,
    pacer: Pacer | None = None,
) -> list[ChargeAnswer]:
    """Every attempt answered in order: in one call if the processor takes batches, else
    `concurrency` at a time, each paced."""
    if not attempts:
        return []
    if takes_batches(gateway):
        return cast(BatchGateway, gateway).charge_many(attempts)
    return _each(partial(_charge_one, gateway, pacer), attempts, concurrency)


def find_all(
    gateway: PaymentGateway,
    references: Sequence[str],
    *,
    concurrency: int = 1,
    pacer: Pacer | None = None,
) -> list[ChargeFound | GatewayUnavailable | None]:
    """What the processor knows of each reference, in order: `concurrency` look-ups at a
    time, each paced like a charge (an unreachable processor answers GatewayUnavailable)."""
    return _each(partial(_find_one, gateway, pacer), references, concurrency)


T = TypeVar("T")
R = TypeVar("R")


def _each(ask: Callable[[T], R], items: Sequence[T], concurrency: int) -> list[R]:
    if concurrency <= 1 or len(items) <= 1:
        return [ask(item) for item in items]
    with ThreadPoolExecutor(min(concurrency, len(items))) as pool:
        return list(pool.map(ask, items))


RATE_LIMIT_RETRIES = 5


def _charge_one(
    gateway: PaymentGateway, pacer: Pacer | None, attempt: ChargeAttempt
) -> ChargeAnswer:
    def charge() -> Charge:
        return gateway.charge(
            attempt.token, attempt.amount, attempt.idempotency_key, reference=attempt.reference
        )

    try:
        return _paced(charge, pacer)
    except (CardDeclined, AuthenticationRequired, GatewayUnavailable) as failure:
        return failure


def _find_one(
    gateway: PaymentGateway, pacer: Pacer | None, reference: str
) -> ChargeFound | GatewayUnavailable | None:
    try:
        return _paced(partial(gateway.find_charge, reference), pacer)
    except GatewayUnavailable as unreachable:
        return unreachable


def _paced(request: Callable[[], R], pacer: Pacer | None) -> R:
    """`request` once it fits the pace, asked again after a 429 (which processed nothing);
    the last 429 is raised."""
    for tries in range(RATE_LIMIT_RETRIES + 1):
        if pacer is not None:
            pacer.wait()
        try:
            return request()
        except GatewayRateLimited as refused:
            if tries == RATE_LIMIT_RETRIES:
                raise
            if pacer is not None:
                pacer.back_off(refused.retry_after)
            else:
                time.sleep(min(refused.retry_after, 2.0**tries))
    raise AssertionError("unreachable")  # pragma: no cover


class NoCallInTransaction(RuntimeError):
    """A charge nobody asked the processor for before the transaction: a bug, refused."""


class AnsweredGateway:
    """The processor as the recording transaction sees it: a `charge` with a key it holds
    an answer for gets that answer (if card and amount match); any other charge is refused,
    never sent. Refunds and look-ups pass through: refunds are only sent after a commit."""

    def __init__(
        self, inner: PaymentGateway, answers: Mapping[str, tuple[ChargeAttempt, ChargeAnswer]]
    ) -> None:
        self._inner = inner
        self._answers = answers

    def tokenize_card(self, number: str, exp_month: int, exp_year: int, cvc: str) -> CardToken:
        return self._inner.tokenize_card(number, exp_month, exp_year, cvc)

    def charge(
        self, token: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> Charge:
        found = self._answers.get(idempotency_key)
        if found is None or (found[0].token, found[0].amount) != (token, amount):
            raise NoCallInTransaction(
                f"no answer for {idempotency_key}; not asked in a transaction"
            )
        answer = found[1]
        if isinstance(answer, Charge):
            return answer
        raise answer

    def refund(
        self, charge_id: str, amount: Money, idempotency_key: str, *, reference: str | None = None
    ) -> RefundReceipt:
        return self._inner.refund(charge_id, amount, idempotency_key, reference=reference)

    def find_charge(self, reference: str) -> ChargeFound | None:
        return self._inner.find_charge(reference)

    def find_refund(self, reference: str, *, charge_id: str | None = None) -> RefundReceipt | None:
        return self._inner.find_refund(reference, charge_id=charge_id)
