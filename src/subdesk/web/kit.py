"""What every HTML page of subdesk shares, the portal's and the console's: the signed
session, one unit of work per request, the redirect after a form, the idempotency key a form
carries, and a refusal shown as the errors of a form."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from subdesk.context import Work
from subdesk.errors import SubdeskError
from subdesk.http import database_of, work_of


def session_of(request: Request) -> dict[str, Any]:
    """The signed session (empty on error pages rendered outside the session middleware)."""
    session: dict[str, Any] = request.scope.get("session", {})
    return session


def redirect(url: str) -> RedirectResponse:
    """After a form: see the result with a GET (a reload never submits twice)."""
    return RedirectResponse(url, status_code=303)


def new_form_key() -> str:
    """An idempotency key rendered into a form: submitting it twice has one effect."""
    return str(uuid.uuid4())


@contextmanager
def visitor(request: Request, *, writes: bool = False) -> Iterator[Work]:
    """A unit of work for someone who need not be signed in."""
    database = database_of(request)
    with database.transaction() if writes else database.reading() as session:
        yield work_of(request, session)


def form_error(error: SubdeskError, fields: Collection[str] = ()) -> dict[str, str]:
    """A refusal as the errors of a form: the message next to its field, or at the top when
    the field is not one of the form's `fields`."""
    field = error.field if error.field is not None and error.field in fields else "_form"
    return {field: error.message}
