"""The partner API (a partner's key as the bearer), and the customer's "reactivate"."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Path, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse

from subdesk.audit.log import Actor
from subdesk.channels.partners import service
from subdesk.channels.partners.keys import partner_for_key
from subdesk.channels.partners.rules import Command
from subdesk.channels.partners.schemas import PartnerSubscriptionOut, ProvisionIn
from subdesk.context import Work
from subdesk.db import after_race
from subdesk.errors import NotAuthenticated
from subdesk.http import (
    Bearer,
    as_customer,
    customer_work,
    database_of,
    parse_uuid,
    runtime_of,
    work_of,
)
from subdesk.models import Account, Partner
from subdesk.schemas import ERRORS
from subdesk.subscriptions import queries
from subdesk.subscriptions.schemas import SubscriptionOut

router = APIRouter(prefix="/api/v1", responses=ERRORS)

ExternalId = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[\w.:@-]+$")]
PartnerHandler = Callable[[Work, Partner], tuple[PartnerSubscriptionOut, int]]


def as_partner(request: Request, bearer: Bearer, handler: PartnerHandler) -> JSONResponse:
    """Authenticate the partner's key and run `handler` in one transaction."""
    if bearer is None:
        raise NotAuthenticated("Send the partner API key: Authorization: Bearer <key>.")
    # The same external_id provisioned in parallel and committed first: answer as it is now.
    run = partial(_run, request, bearer.credentials, handler)
    return after_race(run, run)


def _run(request: Request, key: str, handler: PartnerHandler) -> JSONResponse:
    with database_of(request).transaction() as session:
        work = work_of(request, session)
        partner = partner_for_key(work, key)
        answer, status = handler(replace(work, actor=Actor("partner", partner.code)), partner)
    return JSONResponse(jsonable_encoder(answer), status_code=status)


@router.put(
    "/partner/subscriptions/{external_id}",
    response_model=PartnerSubscriptionOut,
    status_code=201,
    tags=["partners"],
)
def provision(
    external_id: ExternalId, body: ProvisionIn, request: Request, bearer: Bearer
) -> JSONResponse:
    """Protect a customer of yours (201), or answer the same subscription again (200)."""
    order = service.Provision(
        external_id=external_id,
        email=str(body.email),
        plan_code=body.plan,
        country=body.country,
        locale=body.locale,
        name=body.name,
    )

    def handler(work: Work, partner: Partner) -> tuple[PartnerSubscriptionOut, int]:
        subscription, created = service.provision(work, partner, order)
        return PartnerSubscriptionOut.of(
            external_id, subscription, work.now
        ), 201 if created else 200

    return as_partner(request, bearer, handler)


@router.get(
    "/partner/subscriptions/{external_id}",
    response_model=PartnerSubscriptionOut,
    tags=["partners"],
)
def status(external_id: ExternalId, request: Request, bearer: Bearer) -> JSONResponse:
    def handler(work: Work, partner: Partner) -> tuple[PartnerSubscriptionOut, int]:
        subscription = service.owned(work, partner, external_id)
        return PartnerSubscriptionOut.of(external_id, subscription, work.now), 200

    return as_partner(request, bearer, handler)


def _command(command: Command) -> Callable[[str, Request, Bearer], JSONResponse]:
    def endpoint(external_id: ExternalId, request: Request, bearer: Bearer) -> JSONResponse:
        def handler(work: Work, partner: Partner) -> tuple[PartnerSubscriptionOut, int]:
            subscription = service.apply(work, partner, external_id, command)
            return PartnerSubscriptionOut.of(external_id, subscription, work.now), 200

        return as_partner(request, bearer, handler)

    endpoint.__doc__ = {
        Command.SUSPEND: "Suspend (a billing problem on your side): the app says so.",
        Command.RESUME: "Resume: protection comes back at once.",
        Command.CANCEL: "Cancel (the customer left you): protection ends now.",
    }[command]
    return endpoint


for _command_kind in Command:
    router.add_api_route(
        f"/partner/subscriptions/{{external_id}}/{_command_kind.value}",
        _command(_command_kind),
        methods=["POST"],
        response_model=PartnerSubscriptionOut,
        tags=["partners"],
        name=f"partner_{_command_kind.value}",
    )


@router.post(
    "/subscriptions/{subscription_id}/reactivate",
    response_model=SubscriptionOut,
    tags=["subscriptions"],
)
def reactivate(subscription_id: str, request: Request, bearer: Bearer) -> JSONResponse:
    """ "Reactivate the service — I've resolved the issue": asks the provider, then resumes."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer_work(request, bearer) as (work, account):
        status_url, external_id = service.reactivation_check(work, account.id, sid)
    # Asked outside any transaction: a slow provider holds no lock.
    answer = runtime_of(request).providers.status_of(status_url, external_id)

    def handler(work: Work, account: Account) -> SubscriptionOut:
        return queries.describe(work, [service.reactivate(work, account.id, sid, answer)])[0]

    return as_customer(request, bearer, handler)
