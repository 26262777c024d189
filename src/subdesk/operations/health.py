"""Health: is the process up, is it ready (database reachable, schema at the migrations'
head), and which errors mean the database is away (answered 503, not 500)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import exc

from subdesk.db import Database
from subdesk.errors import ServiceUnavailable
from subdesk.migrate import alembic_config

# How long a client should wait before trying again while the database is away.
RETRY_AFTER_SECONDS = 5


def is_outage(error: BaseException) -> bool:
    """Whether `error` says the database cannot be reached (refused, dropped, timed out,
    a file that cannot be opened), as opposed to a bug or a refused statement."""
    if isinstance(error, exc.OperationalError | exc.InterfaceError | exc.TimeoutError):
        return True
    return isinstance(error, exc.DBAPIError) and error.connection_invalidated


def outage() -> ServiceUnavailable:
    return ServiceUnavailable(
        "The service is briefly unavailable; try again shortly.",
        code="database_unavailable",
        retry_after=RETRY_AFTER_SECONDS,
    )


@cache
def migration_heads() -> frozenset[str]:
    """The revisions the shipped migrations end at (read once per process)."""
    script = ScriptDirectory.from_config(alembic_config(""))
    return frozenset(script.get_heads())


@dataclass(frozen=True, slots=True)
class Readiness:
    revision: str | None


def check_ready(database: Database) -> Readiness:
    """Raise ServiceUnavailable unless the database answers and is migrated to the head."""
    try:
        with database.read_engine.connect() as conn:  # never a writer (SQLite)
            current = frozenset(MigrationContext.configure(conn).get_current_heads())
    except exc.SQLAlchemyError as error:
        if is_outage(error):
            raise outage() from error
        raise
    if current != migration_heads():
        raise ServiceUnavailable(
            "The database schema is not at the migrations' head; run `subdesk migrate`.",
            code="migrations_pending",
            retry_after=RETRY_AFTER_SECONDS * 6,
        )
    return Readiness(next(iter(current), None))
