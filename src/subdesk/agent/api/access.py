"""What every agent API endpoint shares: the staff bearer token, one unit of work acting as
that staff member, and the replay of a repeated Idempotency-Key."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import partial
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from subdesk import idempotency
from subdesk.context import Work
from subdesk.db import after_race
from subdesk.errors import InvalidRequest, NotAuthenticated
from subdesk.http import checked_key, database_of, work_of
from subdesk.models import StaffMember
from subdesk.schemas import ERRORS, ErrorBody
from subdesk.support import staff_tokens
from subdesk.support.staff import actor_of

_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="StaffToken",
    description="A staff token from POST /api/v1/agent/auth/token (a customer's never works).",
)
StaffBearer = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
StaffHandler = Callable[[Work, StaffMember], Any]
# 403: the role does not allow it; 503: a provider could not be asked.
RESPONSES: dict[int | str, dict[str, Any]] = {
    **ERRORS,
    **{status: {"model": ErrorBody} for status in (403, 503)},
}


def token_of(bearer: HTTPAuthorizationCredentials | None) -> str:
    if bearer is None:
        raise NotAuthenticated(
            "Sign in first: send Authorization: Bearer <staff token>.", code="staff_token_needed"
        )
    return bearer.credentials


@contextmanager
def staff_work(
    request: Request, bearer: HTTPAuthorizationCredentials | None, *, writes: bool = False
) -> Iterator[tuple[Work, StaffMember]]:
    """A unit of work for the token's staff member, acting as Actor("staff", <id>)."""
    token = token_of(bearer)
    database = database_of(request)
    with database.transaction() if writes else database.reading() as session:
        member = staff_tokens.staff_for_token(work_of(request, session), token)
        yield work_of(request, session, actor_of(member)), member


def as_staff(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    handler: StaffHandler,
    *,
    status: int = 200,
    idempotency_key: str | None = None,
    payload: Any = None,
) -> JSONResponse:
    """Authenticate, run `handler` in one transaction, and replay a repeated Idempotency-Key
    (kept per staff member and path)."""
    key = checked_key(idempotency_key)
    fingerprint = idempotency.request_fingerprint(payload)
    run = partial(_run, request, bearer, handler, status, key, fingerprint)
    if key is None:
        return run()

    def replayed() -> JSONResponse:  # a parallel request with the key committed first
        answer = stored_answer(request, bearer, idempotency_key, payload)
        if answer is None:
            raise InvalidRequest(
                "The request could not be completed; try again.", code="retry"
            ) from None
        return answer

    return after_race(run, replayed)


def stored_answer(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    idempotency_key: str | None,
    payload: Any = None,
) -> JSONResponse | None:
    """The answer already given to this key, if any (checked before asking anyone outside)."""
    key = checked_key(idempotency_key)
    if key is None:
        return None
    with staff_work(request, bearer) as (work, member):
        stored = idempotency.replay(
            work.session, _scope(request, member), key, idempotency.request_fingerprint(payload)
        )
    return JSONResponse(stored[1], status_code=stored[0]) if stored else None


def _scope(request: Request, member: StaffMember) -> str:
    return f"staff:{member.id}:{request.method} {request.url.path}"


def _run(
    request: Request,
    bearer: HTTPAuthorizationCredentials | None,
    handler: StaffHandler,
    status: int,
    key: str | None,
    fingerprint: str,
) -> JSONResponse:
    with staff_work(request, bearer, writes=request.method != "GET") as (work, member):
        scope = _scope(request, member)
        if key is not None:
            stored = idempotency.replay(work.session, scope, key, fingerprint)
            if stored is not None:
                return JSONResponse(stored[1], status_code=stored[0])
        body = jsonable_encoder(handler(work, member))
        if key is not None:
            idempotency.remember(work.session, scope, key, fingerprint, (status, body), work.now)
    return JSONResponse(body, status_code=status)
