"""The hot path's kept read connection (`Database.kept`): it sees every commit made after it
opened, holds no transaction between reads, and comes back by itself when the server drops
it."""

from __future__ import annotations

import pytest
from sqlalchemy import Connection, create_engine, func, select, text

from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models.trust import OfficialPhone
from subdesk.trust.demo import seed_official_channels
from tests.conftest import PG_URL


def counted(conn: Connection) -> int:
    """The way the check-in reads: the driver's own cursor, outside SQLAlchemy's transaction."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute("SELECT count(*) FROM official_phones")
        return int(cursor.fetchone()[0])
    finally:
        cursor.close()


def counted_with_core(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(OfficialPhone)).scalar_one())


def seed_phones(database: Database, runtime: Runtime) -> None:
    with database.transaction() as session:
        seed_official_channels(Work(session, runtime))


@pytest.mark.parametrize("read", [counted, counted_with_core])
def test_a_kept_connection_sees_what_is_committed_after_it_opened(
    database: Database, runtime: Runtime, read: object
) -> None:
    assert database.kept.read(read) == 0  # type: ignore[arg-type]
    seed_phones(database, runtime)
    assert database.kept.read(read) == 2  # type: ignore[arg-type]


def test_a_kept_connection_holds_no_transaction_between_reads(
    database: Database, runtime: Runtime
) -> None:
    database.kept.read(counted_with_core)  # a Core statement begins one; it is rolled back
    assert database.kept.read(lambda conn: conn.in_transaction()) is False
    # A writer is never kept waiting by the reader (SQLite: the WAL checkpoint; PostgreSQL:
    # no "idle in transaction" session holding a snapshot).
    seed_phones(database, runtime)
    assert database.kept.read(lambda conn: conn.in_transaction()) is False


def test_the_same_thread_reuses_its_kept_connection(database: Database) -> None:
    first = database.kept.read(lambda conn: conn)
    assert database.kept.read(lambda conn: conn) is first


@pytest.mark.skipif(PG_URL is None, reason="only a database server drops connections")
def test_a_connection_the_server_dropped_is_replaced_and_the_read_answered(
    postgres_migrated: str,
) -> None:
    database = Database(postgres_migrated)
    try:
        before = database.kept.read(counted)
        pid = database.kept.read(
            lambda conn: conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        )
        database.kept.read(lambda conn: conn.rollback())  # nothing open while it is dropped
        killer = create_engine(postgres_migrated)
        with killer.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        killer.dispose()
        assert database.kept.read(counted) == before
        assert database.kept.read(lambda conn: conn.exec_driver_sql("SELECT 1").scalar()) == 1
    finally:
        database.dispose()


def test_dispose_closes_the_kept_connections(database: Database) -> None:
    kept = database.kept.read(lambda conn: conn)
    database.dispose()
    assert kept.closed
