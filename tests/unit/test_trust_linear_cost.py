"""A 1 MB page built to be slow costs the trust check no more than three times a 1 MB page of
the corpus's legitimate pages, both measured in the same run (CPU time, fastest of a few)."""

from __future__ import annotations

import random
import signal
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import FrameType

import pytest

from subdesk.config import Settings
from subdesk.trust.demo import demo_registry
from subdesk.trust.evaluation import load_corpus
from subdesk.trust.extract import read_page
from subdesk.trust.rules import assess
from subdesk.trust.service import MAX_PAGE_BYTES, guidance

CORPUS = Path(__file__).resolve().parent.parent / "data" / "trust"
MAX_RATIO = 3
REPEATS = 5
SETTINGS = Settings()
GUIDANCE = guidance(SETTINGS)
REGIONS = tuple(SETTINGS.trust_phone_regions)


def one_megabyte(unit: str) -> str:
    """`unit` repeated and cut at 1 MB of UTF-8 (whole characters)."""
    encoded = (unit * (MAX_PAGE_BYTES // len(unit.encode()) + 1)).encode()[:MAX_PAGE_BYTES]
    return encoded.decode("utf-8", errors="ignore")


def random_units(make: Callable[[random.Random], str], seed: int) -> str:
    chooser = random.Random(seed)
    return "".join(make(chooser) for _ in range(MAX_PAGE_BYTES // 2))


def spaced_digits(chooser: random.Random) -> str:
    return f"{chooser.randrange(10)} "


def digits_with_mixed_separators(chooser: random.Random) -> str:
    return str(chooser.randrange(10)) + chooser.choice(" -.()/+_*{}⚚,;:\n\t")


ADVERSARIAL: dict[str, Callable[[], str]] = {
    "a.bc repeated": lambda: one_megabyte("a.bc"),
    "space-separated digits": lambda: one_megabyte(random_units(spaced_digits, 1)),
    "digits with mixed separators": lambda: one_megabyte(
        random_units(digits_with_mixed_separators, 2)
    ),
    "long dotted host names": lambda: one_megabyte("www.shield-help."),
    "many @": lambda: one_megabyte("a@b."),
    "long tokens without spaces": lambda: one_megabyte("shieldsupportcallnow"),
    "repeated scam phrases": lambda: one_megabyte(
        "Shield: call 1-888-555-0143 to cancel and pay by gift card. "
    ),
    "hidden characters": lambda: one_megabyte("\u200b"),
}


def ordinary_page() -> str:
    pages = load_corpus(CORPUS)
    return one_megabyte("\n".join(p.text for p in pages if p.expected != "likely_scam"))


def check(page: str) -> None:
    assess(read_page(page, REGIONS, GUIDANCE.brand_words), demo_registry(), GUIDANCE)


class TooSlow(Exception):
    """The check used more CPU time than it was given."""


@contextmanager
def cpu_limit(seconds: float) -> Iterator[None]:
    """Interrupt the check once it has used `seconds` of CPU time (quadratic code would
    otherwise run for minutes before failing)."""

    def stop(_signal: int, _frame: FrameType | None) -> None:
        raise TooSlow

    previous = signal.signal(signal.SIGPROF, stop)
    signal.setitimer(signal.ITIMER_PROF, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        signal.signal(signal.SIGPROF, previous)


def fastest(page: str, limit: float | None = None, repeats: int = REPEATS) -> float:
    """The least CPU time of this thread over REPEATS checks of `page` (other threads of the
    test process, left by earlier tests, do not count); inf if one took longer than `limit`
    of the whole process's CPU time."""
    best = float("inf")
    for _ in range(repeats):
        started = time.thread_time()
        try:
            with cpu_limit(limit) if limit else _no_limit():
                check(page)
        except TooSlow:
            return float("inf")
        best = min(best, time.thread_time() - started)
    return best


@contextmanager
def _no_limit() -> Iterator[None]:
    yield


@pytest.fixture(scope="module")
def ordinary() -> str:
    return ordinary_page()


def interleaved(
    page: str, ordinary: str, limit: float, turns: int = REPEATS
) -> tuple[float, float]:
    """The least CPU time of `page` and of the ordinary page, measured turn about, so that a
    change of the machine's load in between weighs on both alike."""
    best_page, best_ordinary = float("inf"), float("inf")
    for _ in range(turns):
        best_ordinary = min(best_ordinary, fastest(ordinary, repeats=1))
        best_page = min(best_page, fastest(page, limit=best_ordinary * limit, repeats=1))
        if best_page == float("inf"):
            break
    return best_page, best_ordinary


@pytest.mark.parametrize("name", ADVERSARIAL)
def test_a_megabyte_built_to_be_slow_costs_at_most_three_ordinary_megabytes(
    name: str, ordinary: str
) -> None:
    page = ADVERSARIAL[name]()
    assert len(page.encode()) <= MAX_PAGE_BYTES
    # The stop only spares minutes on quadratic code: it counts every thread of the process,
    # so it is set far above what the ratio allows.
    seconds, ordinary_seconds = interleaved(page, ordinary, limit=MAX_RATIO * 10)
    if MAX_RATIO < seconds / ordinary_seconds < float("inf"):
        # On a loaded machine (CI beside PostgreSQL, two vCPUs) a run of five turns can
        # still be slowed throughout: three times as many turns again, the least of all
        # kept. Code that is really slower stays slower in every turn.
        more = interleaved(page, ordinary, limit=MAX_RATIO * 10, turns=3 * REPEATS)
        seconds, ordinary_seconds = min(seconds, more[0]), min(ordinary_seconds, more[1])
    ratio = seconds / ordinary_seconds
    print(f"{name}: {seconds * 1000:.0f} ms, {ratio:.2f}x the ordinary page")
    assert ratio <= MAX_RATIO, f"{name}: {ratio:.1f} times the ordinary page"
