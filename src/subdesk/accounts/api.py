"""Account endpoints: sign up, get a bearer token, read yourself, your billing address."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from subdesk import idempotency
from subdesk.accounts import billing_address, service
from subdesk.accounts.closure import close_account
from subdesk.accounts.schemas import (
    AccountClosedOut,
    AccountOut,
    BillingAddressIn,
    BillingAddressOut,
    CloseIn,
    SignIn,
    SignUp,
    SignUpAccepted,
    TokenOut,
)
from subdesk.audit.log import Actor
from subdesk.context import Work
from subdesk.errors import NotAuthenticated
from subdesk.http import (
    Bearer,
    IdempotencyKey,
    as_customer,
    checked_key,
    database_of,
    public,
    work_of,
)
from subdesk.schemas import ERRORS

router = APIRouter(prefix="/api/v1", tags=["accounts"], responses=ERRORS)


@router.post("/accounts", response_model=SignUpAccepted, status_code=202)
def sign_up(body: SignUp, request: Request) -> object:
    """Create an account, able to sign in with its password at once, and email its address.

    The answer is 202 whether or not the address already has an account: then that account
    stays as it is and its owner is emailed instead, so sign-up never tells who is a
    customer. Limited per email address and per client address (429 with Retry-After)."""
    request.app.state.sign_up_limiter.check(body.email, _client(request))

    def handler(work: Work) -> SignUpAccepted:
        service.sign_up(work, **body.model_dump())
        return SignUpAccepted()

    return public(request, handler, status=202)


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None


@router.post("/auth/token", response_model=TokenOut)
def issue_token(body: SignIn, request: Request) -> object:
    request.app.state.sign_in_limiter.check(body.email, _client(request))

    def handler(work: Work) -> TokenOut:
        token, row = service.issue_token(work, email=body.email, password=body.password)
        return TokenOut(access_token=token, expires_at=row.expires_at)

    return public(request, handler)


@router.get("/me", response_model=AccountOut)
def me(request: Request, bearer: Bearer) -> object:
    return as_customer(request, bearer, lambda _work, account: AccountOut.of(account))


@router.get("/me/billing-address", response_model=BillingAddressOut)
def get_billing_address(request: Request, bearer: Bearer) -> object:
    """The billing address; 404 `no_billing_address` until one is set."""
    return as_customer(
        request,
        bearer,
        lambda work, account: BillingAddressOut.of(
            billing_address.get_billing_address(work, account.id)
        ),
    )


@router.put("/me/billing-address", response_model=BillingAddressOut)
def put_billing_address(body: BillingAddressIn, request: Request, bearer: Bearer) -> object:
    """Set or change the billing address; it decides the tax of every later charge.

    The subdivision must be one of the country's (required in the US: the state sets the
    sales tax); a VAT ID must be valid and of the address's country. Anything refused is a
    422 with its `field`, and nothing is written."""
    return as_customer(
        request,
        bearer,
        lambda work, account: BillingAddressOut.of(
            billing_address.set_billing_address(work, account.id, body.fields())
        ),
    )


@router.delete("/me", response_model=AccountClosedOut)
def close(
    request: Request, bearer: Bearer, body: CloseIn | None = None, key: IdempotencyKey = None
) -> object:
    """Close the account: cancels every subscription now, removes cards, erases personal data.

    A repeat with the same Idempotency-Key gets the same answer, although the close revoked
    the token it came with: its answer is kept under the token's digest, not the account."""
    reason = body.reason if body else None
    if key is None:
        return as_customer(
            request,
            bearer,
            lambda work, account: AccountClosedOut(
                cancellations=close_account(work, account, reason)
            ),
        )
    if bearer is None:
        raise NotAuthenticated("Sign in first: send Authorization: Bearer <token>.")
    checked_key(key)
    scope = f"token:{service.token_digest(bearer.credentials)}:DELETE /api/v1/me"
    fingerprint = idempotency.request_fingerprint({"reason": reason})
    with database_of(request).transaction() as session:
        stored = idempotency.replay(session, scope, key, fingerprint)
        if stored is not None:
            return JSONResponse(stored[1], status_code=stored[0])
        account = service.account_for_token(work_of(request, session), bearer.credentials)
        work = work_of(request, session, Actor.customer(account.id))
        answer = jsonable_encoder(
            AccountClosedOut(cancellations=close_account(work, account, reason))
        )
        idempotency.remember(session, scope, key, fingerprint, (200, answer), work.now)
    return JSONResponse(answer)
