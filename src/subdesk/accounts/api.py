"""Account endpoints: sign up, get a bearer token, read yourself."""

from __future__ import annotations

from fastapi import APIRouter, Request

from subdesk.accounts import service
from subdesk.accounts.closure import close_account
from subdesk.accounts.schemas import AccountClosedOut, AccountOut, CloseIn, SignIn, SignUp, TokenOut
from subdesk.context import Work
from subdesk.http import Bearer, as_customer, public
from subdesk.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=ERRORS)


@router.post("/accounts", response_model=AccountOut, status_code=201)
def sign_up(body: SignUp, request: Request) -> object:
    def handler(work: Work) -> AccountOut:
        return AccountOut.of(service.sign_up(work, **body.model_dump()))

    return public(request, handler, status=201)


@router.post("/auth/token", response_model=TokenOut)
def issue_token(body: SignIn, request: Request) -> object:
    request.app.state.sign_in_limiter.check(
        body.email, request.client.host if request.client else None
    )

    def handler(work: Work) -> TokenOut:
        token, row = service.issue_token(work, email=body.email, password=body.password)
        return TokenOut(access_token=token, expires_at=row.expires_at)

    return public(request, handler)


@router.get("/me", response_model=AccountOut)
def me(request: Request, bearer: Bearer) -> object:
    return as_customer(request, bearer, lambda _work, account: AccountOut.of(account))


@router.delete("/me", response_model=AccountClosedOut)
def close(request: Request, bearer: Bearer, body: CloseIn | None = None) -> object:
    """Close the account: cancels every subscription now, removes cards, erases personal data."""
    reason = body.reason if body else None
    return as_customer(
        request,
        bearer,
        lambda work, account: AccountClosedOut(cancellations=close_account(work, account, reason)),
    )
