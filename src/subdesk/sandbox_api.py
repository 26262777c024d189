"""Sandbox endpoints: read and move the test clock (only when the sandbox clock is on)."""

from __future__ import annotations

from datetime import datetime, timedelta

from fastapi import APIRouter, Request
from pydantic import BaseModel, Field

from subdesk import sandbox_clock
from subdesk.errors import NotFound
from subdesk.http import Bearer, database_of, require_operator, runtime_of
from subdesk.schemas import ERRORS, Input

router = APIRouter(prefix="/api/v1/sandbox", tags=["sandbox"], responses=ERRORS)


class AdvanceIn(Input):
    by: str = Field(examples=["30d"], description="How far to move: 30d, 12h, 90m or 2w.")


class ClockOut(BaseModel):
    now: datetime
    offset_seconds: int


def _sandbox_only(request: Request) -> None:
    if not runtime_of(request).settings.sandbox_clock:
        raise NotFound("The test clock exists only in the sandbox.", code="not_sandbox")


@router.get("/clock", response_model=ClockOut)
def read_clock(request: Request) -> ClockOut:
    _sandbox_only(request)
    offset = sandbox_clock.read_offset(database_of(request))
    return ClockOut(now=runtime_of(request).clock.now(), offset_seconds=int(offset.total_seconds()))


@router.post("/clock/advance", response_model=ClockOut)
def advance_clock(body: AdvanceIn, request: Request, bearer: Bearer) -> object:
    """Move time forward for the whole sandbox; workers then renew, remind and retry."""
    _sandbox_only(request)
    by = sandbox_clock.parse_duration(body.by)

    operator = require_operator(request, bearer)
    offset = sandbox_clock.advance(database_of(request), by, operator)
    clock = runtime_of(request).clock
    if isinstance(clock, sandbox_clock.SandboxClock):
        clock.forget()
    return ClockOut(now=clock.now(), offset_seconds=int(offset / timedelta(seconds=1)))
