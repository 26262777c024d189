"""The message sent for an outbox row reads back with exactly its subject, however long."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from email import message_from_bytes, policy
from types import SimpleNamespace
from typing import Any

import pytest

from subdesk.notifications.smtp import as_message

SUBJECTS = [
    "Receipt INV-20260215-RMQAV-GVAF8",
    "Receipt INV-20260215-RMQAV-GVAF8 for Shield Antivirus, 1 device, monthly",
    "Receipt INV-20260215-RMQAV-GVAF8 for Shield Total Security Premium, 10 devices, yearly"
    " (renewal at the agreed price)",
    "Ihre Kündigung von Shield Total Security, 5 Geräte, jährlich ist bestätigt – KND-1234-ABCD",
]


def row(subject: str) -> Any:
    return SimpleNamespace(
        id=uuid.uuid4(),
        to_address="alice@example.com",
        subject=subject,
        created_at=datetime(2026, 11, 23, tzinfo=UTC),
        body_text="Thank you.\n" + "A line of text. " * 20,
        body_html="<p>Thank you.</p>",
    )


@pytest.mark.parametrize("subject", SUBJECTS)
def test_the_subject_reads_back_as_it_was_written(subject: str) -> None:
    sent = as_message(row(subject), "Shield <billing@shield.example>").as_bytes()
    received = message_from_bytes(sent, policy=policy.default)
    assert str(received["Subject"]) == subject
    assert all(len(line) <= 998 for line in sent.split(b"\r\n"))


def test_an_encoded_subject_keeps_each_encoded_word_within_75_characters() -> None:
    sent = as_message(row(SUBJECTS[-1]), "billing@shield.example").as_bytes()
    words = [w for w in sent.replace(b"\r\n", b" ").split() if w.startswith(b"=?")]
    assert words
    assert all(len(word) <= 75 for word in words)
