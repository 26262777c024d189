"""Secrets in URLs never reach a log line."""

from __future__ import annotations

import logging

from subdesk.logs import RedactSecrets, redact


def test_a_reset_link_is_redacted_from_the_access_log() -> None:
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "GET", "/reset-password?token=s3cr3t-Value_1&x=1", "1.1", 200),
        None,
    )
    RedactSecrets().filter(record)
    line = record.getMessage()
    assert "s3cr3t" not in line
    assert "/reset-password?token=[redacted]&x=1" in line


def test_plain_paths_are_left_alone() -> None:
    assert redact("/account/subscriptions/abc") == "/account/subscriptions/abc"
