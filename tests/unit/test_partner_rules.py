"""A partner's commands: each moves the state once; repeats and ends are handled."""

from __future__ import annotations

import pytest

from subdesk.channels.partners.rules import Command, effect, resolved
from subdesk.errors import Conflict
from subdesk.subscriptions.rules import Status


def test_suspend_resume_and_cancel_move_a_live_subscription() -> None:
    assert effect(Command.SUSPEND, Status.ACTIVE) is Status.SUSPENDED
    assert effect(Command.RESUME, Status.SUSPENDED) is Status.ACTIVE
    assert effect(Command.CANCEL, Status.SUSPENDED) is Status.CANCELED
    assert effect(Command.CANCEL, Status.ACTIVE) is Status.CANCELED


@pytest.mark.parametrize(
    ("command", "status"),
    [
        (Command.SUSPEND, Status.SUSPENDED),
        (Command.RESUME, Status.ACTIVE),
        (Command.CANCEL, Status.CANCELED),
        (Command.CANCEL, Status.EXPIRED),
    ],
)
def test_a_repeated_command_changes_nothing(command: Command, status: Status) -> None:
    assert effect(command, status) is None


def test_an_ended_subscription_cannot_be_suspended_or_resumed() -> None:
    with pytest.raises(Conflict):
        effect(Command.RESUME, Status.CANCELED)
    with pytest.raises(Conflict):
        effect(Command.SUSPEND, Status.EXPIRED)


def test_only_an_active_answer_from_the_provider_resolves_a_suspension() -> None:
    assert resolved("active")
    assert not resolved("suspended")
    assert not resolved("canceled")
