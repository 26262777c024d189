"""What a partner's command does to a subscription; a repeat does nothing a second time."""

from __future__ import annotations

from enum import StrEnum

from subdesk.errors import Conflict
from subdesk.subscriptions.rules import FINAL, Status, Transition, next_status


class Command(StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    CANCEL = "cancel"


TRANSITION = {
    Command.SUSPEND: Transition.SUSPEND,
    Command.RESUME: Transition.RESUME,
    Command.CANCEL: Transition.CANCEL,
}
# Where each command leaves a subscription: already there means nothing to do.
TARGET = {
    Command.SUSPEND: Status.SUSPENDED,
    Command.RESUME: Status.ACTIVE,
    Command.CANCEL: Status.CANCELED,
}


def effect(command: Command, status: Status) -> Status | None:
    """The new status, or None when the subscription is already where the command leads."""
    if status is TARGET[command] or (command is Command.CANCEL and status in FINAL):
        return None
    if status in FINAL:
        raise Conflict(
            f"This subscription has ended ({status.value}); it cannot {command.value}.",
            code="subscription_ended",
        )
    return next_status(status, TRANSITION[command])


def resolved(provider_status: str) -> bool:
    """The provider says the customer's billing problem is over."""
    return provider_status == "active"
