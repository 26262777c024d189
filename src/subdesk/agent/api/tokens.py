"""Staff tokens of the agent API: issued for the password and a TOTP code (rate-limited like
the console's sign-in), revoked by their holder."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response

from subdesk.agent.api.access import RESPONSES, StaffBearer, token_of
from subdesk.agent.api.schemas import StaffOut, StaffSignIn, StaffTokenOut
from subdesk.context import Work
from subdesk.http import database_of, public, work_of
from subdesk.support import staff_tokens

router = APIRouter(prefix="/api/v1/agent", tags=["agent"], responses=RESPONSES)


@router.post("/auth/token", response_model=StaffTokenOut)
def issue_token(body: StaffSignIn, request: Request) -> object:
    """A bearer token for 12 hours. One error for a wrong email, password or code; a one-time
    password must be changed in the console first."""
    # The console's key: attempts there and here count together.
    request.app.state.sign_in_limiter.check(
        f"staff:{body.email}", request.client.host if request.client else None
    )

    def handler(work: Work) -> StaffTokenOut:
        issued = staff_tokens.issue(work, body.email, body.password, body.code)
        staff = StaffOut.model_validate(issued.staff)
        return StaffTokenOut(access_token=issued.token, expires_at=issued.expires_at, staff=staff)

    return public(request, handler)


@router.delete("/auth/token", status_code=204)
def revoke_token(request: Request, bearer: StaffBearer) -> Response:
    """Sign out: this token stops working at once."""
    token = token_of(bearer)
    with database_of(request).transaction() as session:
        staff_tokens.revoke(work_of(request, session), token)
    return Response(status_code=204)
