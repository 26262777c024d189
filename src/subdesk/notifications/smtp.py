"""Delivers the email outbox through SMTP, with retries and backoff; never loses a message.

Each message is claimed under a row lock, sent, and marked sent in its own
transaction. If the server is down, the message stays pending with its next
attempt pushed back (1, 2, 4 … minutes, at most an hour); after 20 attempts it
is marked failed for an operator to see. Each carries a stable Message-ID, so a
receiver can drop the rare duplicate of a crash between sending and marking.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from datetime import datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from subdesk.config import Settings
from subdesk.db import Database
from subdesk.models import OutboxEmail
from subdesk.notifications.outbox import render_row
from subdesk.notifications.queue import claim_next
from subdesk.operations.logging import working_on

log = logging.getLogger("subdesk.email")

MAX_ATTEMPTS = 20
MAX_BACKOFF = timedelta(hours=1)
# An ASCII subject on one line, up to RFC 5322's hard limit: folding at the 78 it
# recommends, Python moves a subject of 70-odd characters whole onto a continuation line,
# which readers then show with a leading space. Other subjects are encoded words, which
# RFC 2047 keeps to 75 characters, so they fold as usual.
ONE_LINE_HEADERS = policy.SMTP.clone(max_line_length=998)


class SmtpSender:
    def __init__(self, settings: Settings, timeout: float = 10.0) -> None:
        self._settings = settings
        self._timeout = timeout
        self.mail_from = settings.mail_from

    def send(self, message: EmailMessage) -> None:
        s = self._settings
        if s.smtp_tls == "ssl":
            context = ssl.create_default_context()
            with smtplib.SMTP_SSL(
                s.smtp_host, s.smtp_port, timeout=self._timeout, context=context
            ) as smtp:
                self._login_and_send(smtp, message)
            return
        with smtplib.SMTP(s.smtp_host, s.smtp_port, timeout=self._timeout) as smtp:
            if s.smtp_tls == "starttls":
                smtp.starttls(context=ssl.create_default_context())
            self._login_and_send(smtp, message)

    def _login_and_send(self, smtp: smtplib.SMTP, message: EmailMessage) -> None:
        if self._settings.smtp_username:
            smtp.login(self._settings.smtp_username, self._settings.smtp_password or "")
        smtp.send_message(message)


def as_message(row: OutboxEmail, sender: str) -> EmailMessage:
    subject = row.subject or ""
    message = EmailMessage(policy=ONE_LINE_HEADERS if subject.isascii() else policy.SMTP)
    message["From"] = sender
    message["To"] = row.to_address
    message["Subject"] = subject
    message["Date"] = format_datetime(row.created_at)
    message["Message-ID"] = make_msgid(idstring=str(row.id), domain="subdesk")
    message["X-Subdesk-Message"] = str(row.id)
    message.set_content(row.body_text or "")
    message.add_alternative(row.body_html or "", subtype="html")
    return message


def backoff(attempts: int) -> timedelta:
    return min(MAX_BACKOFF, timedelta(minutes=2 ** max(0, attempts - 1)))


def deliver_pending(
    database: Database, sender: SmtpSender, now: datetime, *, limit: int = 100
) -> int:
    """Send what is due; returns how many were sent. Stops at the first connection failure."""
    sent = 0
    for _ in range(limit):
        with database.transaction() as session:
            row = claim_next(session, OutboxEmail, now)
            if row is None:
                return sent
            with working_on(row.request_id):  # its log lines name the request behind it
                render_row(row)
                try:
                    sender.send(as_message(row, sender.mail_from))
                except (OSError, smtplib.SMTPException) as error:
                    _postpone(row, now, error)
                    if isinstance(error, OSError | smtplib.SMTPServerDisconnected):
                        return sent  # the server is away: leave the rest for later
                    continue
                row.status, row.sent_at, row.attempts = "sent", now, row.attempts + 1
                log.info("email sent", extra={"outbox_id": str(row.id), "template": row.template})
                sent += 1
    return sent


def _postpone(row: OutboxEmail, now: datetime, error: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:500]
    if row.attempts >= MAX_ATTEMPTS:
        row.status = "failed"
        log.error("email failed for good", extra={"outbox_id": str(row.id)})
        return
    row.next_attempt_at = now + backoff(row.attempts)
