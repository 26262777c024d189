"""What every endpoint shares: the unit of work per request, bearer auth and idempotent replays."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from subdesk import idempotency
from subdesk.accounts.service import account_for_token
from subdesk.audit.log import SYSTEM, Actor
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.errors import InvalidRequest, NotAuthenticated, NotFound
from subdesk.models import Account
from subdesk.operations.logging import note_actor

_bearer = HTTPBearer(auto_error=False, description="A token from POST /api/v1/auth/token")

Bearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="A repeat with the same key gets the same answer, never a second effect.",
    ),
]

Handler = Callable[[Work, Account], BaseModel | list[Any] | dict[str, Any]]


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def database_of(request: Request) -> Database:
    database: Database = request.app.state.database
    return database


def work_of(request: Request, session: Any, actor: Actor = SYSTEM) -> Work:
    """The unit of work of this request: its session, who acts, and from where."""
    client = request.client.host if request.client else None
    if actor is not SYSTEM:
        note_actor(f"{actor.type}:{actor.id}")
    return Work(
        session=session,
        runtime=runtime_of(request),
        actor=actor,
        client_ip=client,
        user_agent=request.headers.get("user-agent"),
    )


def _unit_for(request: Request) -> AbstractContextManager[Session]:
    """A GET only reads (on SQLite it never waits for a writer); anything else writes."""
    database = database_of(request)
    return database.reading() if request.method == "GET" else database.transaction()


def public(request: Request, handler: Callable[[Work], Any], status: int = 200) -> JSONResponse:
    """Run `handler` in one transaction without a signed-in customer."""
    with _unit_for(request) as session:
        result = handler(work_of(request, session))
    return JSONResponse(jsonable_encoder(result), status_code=status)


def as_customer(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    handler: Handler,
    *,
    status: int = 200,
    idempotency_key: str | None = None,
    payload: Any = None,
) -> JSONResponse:
    """Authenticate, run `handler` in one transaction, and replay a repeated Idempotency-Key."""
    if bearer is None:
        raise NotAuthenticated("Sign in first: send Authorization: Bearer <token>.")
    key = checked_key(idempotency_key)
    scope = f"{request.method} {request.url.path}"
    fingerprint = idempotency.request_fingerprint(payload)
    try:
        return _run(request, bearer.credentials, handler, status, scope, key, fingerprint)
    except IntegrityError:
        if key is None:
            raise
        # A parallel request with the same key committed first: answer as it did.
        return _replay_after_race(request, bearer.credentials, scope, key, fingerprint)


@contextmanager
def customer_work(
    request: Request, bearer: HTTPAuthorizationCredentials | None, *, writes: bool = False
) -> Iterator[tuple[Work, Account]]:
    """A unit of work for the bearer's account, for handlers that do more than one step."""
    if bearer is None:
        raise NotAuthenticated("Sign in first: send Authorization: Bearer <token>.")
    database = database_of(request)
    with database.transaction() if writes else database.reading() as session:
        account = account_for_token(work_of(request, session), bearer.credentials)
        yield work_of(request, session, Actor.customer(account.id)), account


def as_operator(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    handler: Callable[[Work], Any],
    *,
    status: int = 200,
) -> JSONResponse:
    """Run `handler` for the holder of the operator key."""
    operator = require_operator(request, bearer)
    with database_of(request).transaction() as session:
        result = handler(work_of(request, session, operator))
    return JSONResponse(jsonable_encoder(result), status_code=status)


def require_operator(request: Request, bearer: HTTPAuthorizationCredentials | None) -> Actor:
    """The operator, if the bearer holds the operator key (compared by its SHA-256)."""
    expected = runtime_of(request).settings.operator_key_sha256
    given = hashlib.sha256(bearer.credentials.encode()).hexdigest() if bearer else ""
    if not expected or not hmac.compare_digest(given, expected.lower()):
        raise NotAuthenticated("An operator key is needed here.", code="invalid_operator_key")
    note_actor(f"operator:{given[:12]}")
    return Actor("operator", given[:12])


def checked_key(key: str | None) -> str | None:
    if key is None:
        return None
    if not key.strip() or len(key) > idempotency.MAX_KEY_LENGTH:
        raise InvalidRequest(
            f"An Idempotency-Key is 1 to {idempotency.MAX_KEY_LENGTH} characters.",
            code="invalid_idempotency_key",
            field="Idempotency-Key",
        )
    return key


def _run(
    request: Request,
    token: str,
    handler: Handler,
    status: int,
    scope: str,
    key: str | None,
    fingerprint: str,
) -> JSONResponse:
    with _unit_for(request) as session:
        work = work_of(request, session)
        account = account_for_token(work, token)
        work = work_of(request, session, Actor.customer(account.id))
        account_scope = f"{account.id}:{scope}"
        if key is not None:
            stored = idempotency.replay(session, account_scope, key, fingerprint)
            if stored is not None:
                return JSONResponse(stored[1], status_code=stored[0])
        body = jsonable_encoder(handler(work, account))
        if key is not None:
            idempotency.remember(session, account_scope, key, fingerprint, (status, body), work.now)
    return JSONResponse(body, status_code=status)


def _replay_after_race(
    request: Request, token: str, scope: str, key: str, fingerprint: str
) -> JSONResponse:
    with database_of(request).transaction() as session:
        account = account_for_token(work_of(request, session), token)
        stored = idempotency.replay(session, f"{account.id}:{scope}", key, fingerprint)
    if stored is None:
        raise InvalidRequest("The request could not be completed; try again.", code="retry")
    return JSONResponse(stored[1], status_code=stored[0])


def parse_uuid(value: str, field: str) -> uuid.UUID:
    """Path ids that are not UUIDs are simply not found, like any other unknown id."""
    try:
        return uuid.UUID(value)
    except ValueError:
        raise NotFound("Not found.", field=field) from None
