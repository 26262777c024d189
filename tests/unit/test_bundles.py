"""An add-on needs a live main subscription; a main plan needs nothing."""

from __future__ import annotations

from subdesk.subscriptions.bundles import addon_allowed
from subdesk.subscriptions.rules import Status


def test_a_main_plan_can_always_be_bought() -> None:
    assert addon_allowed(False, [])


def test_an_add_on_needs_a_live_main_subscription() -> None:
    assert addon_allowed(True, [Status.ACTIVE])
    assert addon_allowed(True, [Status.EXPIRED, Status.TRIALING])
    assert not addon_allowed(True, [])
    assert not addon_allowed(True, [Status.CANCELED, Status.EXPIRED])
