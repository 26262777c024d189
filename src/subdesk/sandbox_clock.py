"""The sandbox's test clock: moves time for every process of one sandbox at once.

The offset from the wall clock lives in the database, so the API, the workers
and the CLI all see the same moved time. Each process re-reads it at most once
a second. Only used when SUBDESK_SANDBOX_CLOCK is on; never in production.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import UTC, datetime, timedelta

from subdesk.audit.log import Actor, record
from subdesk.db import Database
from subdesk.errors import InvalidRequest
from subdesk.models import SandboxClockRow

UNITS = {
    "w": timedelta(weeks=1),
    "d": timedelta(days=1),
    "h": timedelta(hours=1),
    "m": timedelta(minutes=1),
}
DURATION = re.compile(r"^(\d{1,5})([wdhm])$")


def parse_duration(text: str) -> timedelta:
    """'30d', '12h', '90m' or '2w'; anything else is refused."""
    match = DURATION.match(text.strip().lower())
    if match is None:
        raise InvalidRequest(
            "Give a duration like 30d, 12h, 90m or 2w.", code="invalid_duration", field="by"
        )
    return int(match.group(1)) * UNITS[match.group(2)]


class SandboxClock:
    def __init__(self, database: Database, refresh_seconds: float = 1.0) -> None:
        self._database = database
        self._refresh = refresh_seconds
        self._offset = timedelta(0)
        self._read_at = float("-inf")
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            if time.monotonic() - self._read_at > self._refresh:
                self._offset = read_offset(self._database)
                self._read_at = time.monotonic()
            return datetime.now(UTC) + self._offset

    def forget(self) -> None:
        with self._lock:
            self._read_at = float("-inf")


def read_offset(database: Database) -> timedelta:
    with database.reading() as session:
        row = session.get(SandboxClockRow, 1)
        return timedelta(seconds=row.offset_seconds) if row else timedelta(0)


def advance(database: Database, by: timedelta, actor: Actor) -> timedelta:
    """Move the sandbox forward (never back: renewals already made stay made); audited."""
    if by <= timedelta(0):
        raise InvalidRequest("The clock only moves forward.", code="invalid_duration", field="by")
    with database.transaction() as session:
        row = session.get(SandboxClockRow, 1, with_for_update=True)
        if row is None:
            row = SandboxClockRow(id=1, offset_seconds=0, updated_at=datetime.now(UTC))
            session.add(row)
        before = row.offset_seconds
        row.offset_seconds += int(by.total_seconds())
        row.updated_at = datetime.now(UTC)
        record(
            session,
            actor=actor,
            action="sandbox_clock.advanced",
            entity=("sandbox_clock", 1),
            before={"offset_seconds": before},
            after={"offset_seconds": row.offset_seconds},
            now=row.updated_at,
        )
        return timedelta(seconds=row.offset_seconds)
