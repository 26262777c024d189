"""The one save offer shown beside the cancel buttons: a cheaper plan, or none at all."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar


class Offerable(Protocol):
    @property
    def id(self) -> object: ...
    @property
    def active(self) -> bool: ...
    @property
    def currency(self) -> str: ...
    @property
    def period(self) -> str: ...
    @property
    def renewal_price_minor(self) -> int: ...


P = TypeVar("P", bound=Offerable)


def save_offer(current: P, plans: Iterable[P]) -> P | None:
    """The closest cheaper plan sold in the same currency and period, if there is one.

    At most one offer, and never one that costs more: a save offer is a real
    saving, shown beside an equally prominent cancel button.
    """
    cheaper = [
        plan
        for plan in plans
        if plan.active
        and plan.id != current.id
        and plan.currency == current.currency
        and plan.period == current.period
        and plan.renewal_price_minor < current.renewal_price_minor
    ]
    return max(cheaper, key=lambda plan: plan.renewal_price_minor, default=None)
