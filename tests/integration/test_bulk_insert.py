"""Appended rows written in bulk (COPY on PostgreSQL) read back exactly as INSERTed ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from subdesk.bulk_insert import insert_rows
from subdesk.db import Database
from subdesk.models import AuditEvent, OutboxEmail

NOW = datetime(2026, 1, 15, 10, 0, 0, 123456, tzinfo=UTC)
AWKWARD = "tab\there, new\nline, back\\slash, quote ' \" , \\N, € and ü"


def events(tag: str) -> list[dict[str, Any]]:
    return [
        dict(
            occurred_at=NOW + timedelta(microseconds=n),
            actor_type="system",
            actor_id=None if n % 2 else "subdesk",
            action=f"{tag}.{n}",
            entity_type="test",
            entity_id=str(n),
            account_id=None,
            subscription_id=None,
            before=None if n % 2 else {"n": n, "text": AWKWARD, "list": [1, None, "x"]},
            after={"nested": {"deep": [AWKWARD]}, "flag": True},
            reason=AWKWARD if n % 3 else None,
        )
        for n in range(6)
    ]


def emails(tag: str) -> list[dict[str, Any]]:
    return [
        dict(
            id=uuid.uuid4(),
            dedupe_key=f"{tag}:{n}",
            account_id=None,
            subscription_id=None,
            template="receipt",
            locale="de",
            to_address=f"{n}@example.com",
            context={"name": AWKWARD, "amount": "4,99 €"},
            status="pending",
            attempts=0,
            next_attempt_at=NOW,
            created_at=NOW,
        )
        for n in range(3)
    ]


def read(database: Database, model: type[Any], column: Any, tag: str) -> list[dict[str, Any]]:
    skip = {"id", "action", "dedupe_key"}
    with database.transaction() as session:
        rows = session.scalars(select(model).where(column.like(f"{tag}%")).order_by(column))
        return [
            {c.key: getattr(row, c.key) for c in model.__table__.columns if c.key not in skip}
            for row in rows
        ]


def test_bulk_written_rows_equal_inserted_rows(database: Database) -> None:
    with database.transaction() as session:
        connection = session.connection()
        insert_rows(connection, AuditEvent, events("bulk"))
        insert_rows(connection, OutboxEmail, emails("bulk"))
        connection.execute(insert(AuditEvent), events("plain"))
        connection.execute(insert(OutboxEmail), emails("plain"))
    bulk = read(database, AuditEvent, AuditEvent.action, "bulk")
    assert bulk == read(database, AuditEvent, AuditEvent.action, "plain")
    assert len(bulk) == 6
    assert bulk[1]["before"] is None
    assert bulk[0]["before"]["text"] == AWKWARD
    mails = read(database, OutboxEmail, OutboxEmail.dedupe_key, "bulk")
    assert mails == read(database, OutboxEmail, OutboxEmail.dedupe_key, "plain")
    assert mails[0]["next_attempt_at"] == NOW


def test_rows_without_every_defaulted_column_are_inserted(database: Database) -> None:
    row = emails("partial")[0]
    del row["id"]  # a Python-side default: COPY would not apply it
    with database.transaction() as session:
        insert_rows(session.connection(), OutboxEmail, [row])
    (written,) = read(database, OutboxEmail, OutboxEmail.dedupe_key, "partial")
    assert written["to_address"] == "0@example.com"
