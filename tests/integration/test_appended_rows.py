"""Rows appended in bulk are visible to the unit of work's own reads, and vanish with a
rolled-back savepoint."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subdesk.db import Database, append_row, savepoint
from subdesk.models import AuditEvent

NOW = datetime(2026, 1, 15, tzinfo=UTC)


def event(action: str) -> dict[str, object]:
    return dict(
        occurred_at=NOW, actor_type="system", action=action, entity_type="test", entity_id="1"
    )


def count(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEvent)) or 0)


def test_appended_rows_are_read_back_in_the_same_transaction(database: Database) -> None:
    with database.transaction() as session:
        append_row(session, AuditEvent, event("first"))
        append_row(session, AuditEvent, event("second"))
        assert count(session) == 2
    with database.transaction() as session:
        assert count(session) == 2


def test_appended_rows_are_written_at_commit_without_a_read(database: Database) -> None:
    with database.transaction() as session:
        append_row(session, AuditEvent, event("only"))
    with database.transaction() as session:
        assert count(session) == 1


def test_a_rolled_back_savepoint_forgets_its_rows_and_keeps_earlier_ones(
    database: Database,
) -> None:
    seen_inside: list[int] = []

    def fail_inside(session: Session) -> None:
        with savepoint(session):
            append_row(session, AuditEvent, event("flushed, then rolled back"))
            seen_inside.append(count(session))
            append_row(session, AuditEvent, event("never written"))
            raise RuntimeError("boom")

    with database.transaction() as session:
        append_row(session, AuditEvent, event("kept"))
        with pytest.raises(RuntimeError, match="boom"):
            fail_inside(session)
    assert seen_inside == [2]
    with database.transaction() as session:
        assert [e.action for e in session.scalars(select(AuditEvent))] == ["kept"]
