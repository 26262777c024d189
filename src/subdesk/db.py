"""Engine and sessions, and the one place a transaction is committed or rolled back."""

from __future__ import annotations

import copy
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, DateTime, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from subdesk.bulk_insert import insert_rows


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite keeps them naive, in UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def make_engine(url: str, *, for_writes: bool = True, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite gets WAL, foreign keys and serialised writing transactions."""
    parsed = make_url(url)
    # A statement's parameters (emails, token digests, card details) stay out of errors and logs.
    kwargs.setdefault("hide_parameters", True)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True, pool_size=20, max_overflow=40, **kwargs)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, **kwargs)
    _configure_sqlite(engine, immediate=for_writes)
    return engine


def _configure_sqlite(engine: Engine, *, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the driver, emit BEGIN, so that we can make it IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # SQLite has no row locks: a writing transaction takes the write lock up front,
        # so a read-then-write never fails half-way with "database is locked". Readers
        # begin plainly and, in WAL mode, never wait for a writer.
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def append_row(session: Session, model: type[Any], row: dict[str, Any]) -> None:
    """Queue the insert of a row nothing updates in this unit of work (payments, invoices,
    audit events, outbox), written in bulk before the session's next statement, flush or
    commit, ahead of the ORM's own inserts; tables in the order they were first appended to."""
    session.info.setdefault(_APPENDED, {}).setdefault(model, []).append(row)


T = TypeVar("T")
_APPENDED = "subdesk.appended_rows"
_AFTER_COMMIT = "subdesk.after_commit"
log = logging.getLogger("subdesk.db")


def after_commit(session: Session, call: Callable[[Database], object]) -> None:
    """Run `call` once this unit of work has committed, with no transaction open: the way
    to reach a processor, whose intent the unit of work has written. If the unit rolls
    back, `call` never runs; if `call` fails or the process dies first, the intent is
    still there for the worker to finish."""
    session.info.setdefault(_AFTER_COMMIT, []).append(call)


def after_answer(session: Session) -> None:
    """Let this unit's `after_commit` calls wait until the request has been answered, when
    it is one (`AfterAnswer`): for an answer that does not depend on them, such as a
    cancellation whose refund, already written as pending, the processor makes afterwards.
    Anywhere else (worker, CLI, a service called directly) they run at the commit."""
    session.info[_AFTER_ANSWER] = True


_AFTER_ANSWER = "subdesk.after_answer"
_ANSWERING: ContextVar[list[Callable[[], object]] | None] = ContextVar(
    "subdesk_after_answer", default=None
)


@contextmanager
def answering() -> Iterator[list[Callable[[], object]]]:
    """While a request is being answered: collects the calls its units of work left for
    after the answer (see `after_answer`); the caller runs them, each with `run_logged`."""
    calls: list[Callable[[], object]] = []
    token = _ANSWERING.set(calls)
    try:
        yield calls
    finally:
        _ANSWERING.reset(token)


def run_logged(call: Callable[[], object]) -> None:
    try:
        call()
    except Exception:  # the committed intent stays; the worker finishes it
        log.exception("a call after commit failed; the worker will finish it")


def after_race(first: Callable[[], T], then: Callable[[], T]) -> T:
    """Run `first`, a whole unit of work; if it lost a race to insert a unique row (the same
    idempotency key, store subscription or partner id) that a parallel unit committed
    meanwhile, run `then`: the same unit once more, which now finds the row, or a replay of
    the other unit's answer."""
    try:
        return first()
    except IntegrityError:
        return then()


def transaction_state(session: Session, name: str) -> dict[Any, Any]:
    """A dict kept for this unit of work under `name`, put back as it was when a savepoint
    rolls back (a service's own bookkeeping of what its statements did)."""
    state: dict[str, dict[Any, Any]] = session.info.setdefault(_STATE, {})
    return state.setdefault(name, {})


def before_commit(session: Session, name: str, call: Callable[[Session], object]) -> None:
    """Run `call` once just before this unit of work commits (once per `name`)."""
    session.info.setdefault(_BEFORE_COMMIT, {})[name] = call


def _on_before_commit(session: Session, *_args: Any) -> None:
    _write_appended(session)
    for call in session.info.pop(_BEFORE_COMMIT, {}).values():
        call(session)
    session.info.pop(_STATE, None)


def _on_after_rollback(session: Session, *_args: Any) -> None:
    session.info.pop(_BEFORE_COMMIT, None)
    session.info.pop(_STATE, None)


_STATE = "subdesk.transaction_state"
_BEFORE_COMMIT = "subdesk.before_commit"


def _write_appended(session: Session, *_args: Any) -> None:
    appended: dict[type[Any], list[dict[str, Any]]] | None = session.info.pop(_APPENDED, None)
    for model, rows in (appended or {}).items():
        insert_rows(session.connection(), model, rows)


@contextmanager
def savepoint(session: Session) -> Iterator[None]:
    """A nested transaction whose rollback also forgets the rows appended inside it."""
    _write_appended(session)  # rows from before belong to the outer transaction
    queued = len(session.info.get(_AFTER_COMMIT, ()))
    state = copy.deepcopy(session.info.get(_STATE, {}))
    try:
        with session.begin_nested():
            yield
    except Exception:
        session.info.pop(_APPENDED, None)
        del session.info.get(_AFTER_COMMIT, [])[queued:]  # calls for what was undone
        session.info[_STATE] = state
        raise


class KeptConnections:
    """A read connection per thread, kept open in autocommit, for the hot path's one-statement
    reads (the license check-in): no pool checkout, pre-ping round trip or reset per request.

    A single SELECT in autocommit sees every committed write, as in its own transaction. A
    connection found broken (the server restarted) is dropped and the read tried once more on
    a new one; the read must not write.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")
        self._broken = (DBAPIError, engine.dialect.loaded_dbapi.OperationalError)
        self._local = threading.local()
        self._all: list[Connection] = []
        self._lock = threading.Lock()

    def read(self, query: Callable[[Connection], T]) -> T:
        try:
            return self._read_once(query)
        except self._broken as error:
            if isinstance(error, DBAPIError) and not error.connection_invalidated:
                raise
            self._drop()
        return self._read_once(query)

    def _read_once(self, query: Callable[[Connection], T]) -> T:
        conn: Connection | None = getattr(self._local, "conn", None)
        if conn is None or conn.closed or conn.invalidated:
            conn = self._engine.connect()
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        try:
            return query(conn)
        finally:
            if conn.in_transaction():  # a Core statement began one (SQLite's BEGIN event)
                conn.rollback()

    def _drop(self) -> None:
        conn: Connection | None = getattr(self._local, "conn", None)
        self._local.conn = None
        if conn is not None:
            with self._lock:
                if conn in self._all:  # not if close() took it first
                    self._all.remove(conn)
            if not conn.invalidated:
                conn.invalidate()
            conn.close()

    def close(self) -> None:
        with self._lock:
            kept, self._all = self._all, []
        for conn in kept:
            conn.close()  # the owning thread may still use it: it reconnects then


class Database:
    """Owns the engine; `transaction()` is the unit of work every request and job uses."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self._sessions, "before_flush", _write_appended)
        # Reads in the same unit of work see the appended rows.
        event.listen(self._sessions, "do_orm_execute", lambda state: _write_appended(state.session))
        event.listen(self._sessions, "before_commit", _on_before_commit)
        event.listen(self._sessions, "after_rollback", _on_after_rollback)
        sqlite = self.engine.dialect.name == "sqlite"
        self.read_engine = make_engine(url, for_writes=False) if sqlite else self.engine
        self._read_sessions = sessionmaker(self.read_engine, expire_on_commit=False)
        self.kept = KeptConnections(self.read_engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """Commit when the block ends, roll back if it raises; services never commit. What
        the unit queued with `after_commit` runs after the commit, outside any transaction."""
        with self._sessions() as session:
            with session.begin():
                yield session
            calls: list[Callable[[Database], object]] = session.info.pop(_AFTER_COMMIT, [])
            answering = _ANSWERING.get() if session.info.pop(_AFTER_ANSWER, False) else None
        for call in calls:
            if answering is not None:
                answering.append(partial(call, self))
            else:
                run_logged(partial(call, self))

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A read-only unit: never takes SQLite's write lock; rolled back at the end."""
        with self._read_sessions() as session, session.begin():
            yield session
            session.rollback()

    def dispose(self) -> None:
        self.kept.close()
        self.engine.dispose()
        if self.read_engine is not self.engine:
            self.read_engine.dispose()
