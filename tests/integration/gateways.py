"""The app's processor swapped for a test double for the length of a block."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from subdesk.context import Runtime


@contextmanager
def processor(runtime: Runtime, gateway: object) -> Iterator[None]:
    """Every unit of work of the app answers through `gateway` inside the block (the runtime
    is frozen and shared with the app, so it is changed in place and put back after)."""
    original = runtime.gateway
    object.__setattr__(runtime, "gateway", gateway)
    try:
        yield
    finally:
        object.__setattr__(runtime, "gateway", original)
