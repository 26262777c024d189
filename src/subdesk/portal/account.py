"""The dashboard and a subscription's page: status, next charge, auto-renew, card and seats."""

from __future__ import annotations

import uuid
from collections import Counter
from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.billing.payment_methods import list_methods
from subdesk.catalog.service import plan_of
from subdesk.channels.partners import service as partners
from subdesk.compliance.withdrawal import withdrawal_deadline
from subdesk.context import Work
from subdesk.errors import SubdeskError
from subdesk.fields import FormText
from subdesk.http import parse_uuid, runtime_of
from subdesk.licensing.devices import list_devices
from subdesk.models import Account, PaymentMethod
from subdesk.portal.views import channel_words, status_line
from subdesk.portal.web import customer, render
from subdesk.subscriptions import lifecycle, queries, repository
from subdesk.subscriptions.schemas import SubscriptionOut
from subdesk.subscriptions.withdrawal import can_withdraw
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)


@dataclass(frozen=True, slots=True)
class Card:
    """A subscription as the dashboard shows it."""

    sub: SubscriptionOut
    card: PaymentMethod | None
    devices_used: int


def _cards(work: Work, account: Account, only: uuid.UUID | None = None) -> list[Card]:
    rows = repository.list_owned(work.session, account.id)
    if only is not None:
        rows = [repository.get_owned(work.session, account.id, only)]
    methods = {m.id: m for m in list_methods(work, account.id)}
    seats = Counter(d.subscription_id for d in list_devices(work, account.id))
    described = queries.describe(work, rows)
    return [
        Card(
            out,
            methods.get(row.payment_method_id) if row.payment_method_id else None,
            seats[row.id],
        )
        for row, out in zip(rows, described, strict=True)
    ]


def _words(account: Account) -> dict[str, object]:
    return {"account": account, "status_line": status_line, "channel_words": channel_words}


def subscription_context(work: Work, account: Account, sid: uuid.UUID) -> dict[str, object]:
    card = _cards(work, account, only=sid)[0]
    plan = plan_of(work, card.sub.plan.id)
    row = repository.get_owned(work.session, account.id, sid)
    return {
        **_words(account),
        "c": card,
        "cards": list_methods(work, account.id) if row.channel == "retail" else [],
        "services": [s.name for s in plan.product.services],
        "withdrawal_until": withdrawal_deadline(row.started_at)
        if can_withdraw(account, row, work.now)
        else None,
        "main_stopped": not lifecycle.addon_may_renew_now(work, row),
    }


@router.get("/account", response_class=HTMLResponse)
def dashboard(request: Request) -> Response:
    with customer(request) as (work, account):
        cards = _cards(work, account)
        return render(request, "dashboard.html", {**_words(account), "cards": cards})


@router.get("/account/subscriptions/{subscription_id}", response_class=HTMLResponse)
def subscription_page(subscription_id: str, request: Request) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        return render(request, "subscription.html", subscription_context(work, account, sid))


@router.post("/account/subscriptions/{subscription_id}/auto-renew")
def auto_renew(subscription_id: str, request: Request, enabled: FormText = "") -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request, writes=True) as (work, account):
        lifecycle.set_auto_renew(work, account.id, sid, enabled == "on")
    return redirect(f"/account/subscriptions/{sid}")


@router.post("/account/subscriptions/{subscription_id}/reactivate", response_class=HTMLResponse)
def reactivate(subscription_id: str, request: Request) -> Response:
    """ "Reactivate the service — I've resolved the issue": the provider is asked first."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        status_url, external_id = partners.reactivation_check(work, account.id, sid)
    try:
        answer = runtime_of(request).providers.status_of(status_url, external_id)
        with customer(request, writes=True) as (work, account):
            partners.reactivate(work, account.id, sid, answer)
    except SubdeskError as error:
        if error.code == "sign_in_needed":
            raise
        with customer(request) as (work, account):
            context = {**subscription_context(work, account, sid), "notice": error.message}
            return render(request, "subscription.html", context, status=error.status)
    return redirect(f"/account/subscriptions/{sid}")


@router.post("/account/subscriptions/{subscription_id}/renew-with-card")
def renew_with_card(subscription_id: str, request: Request, card_id: FormText = "") -> Response:
    """A retail key's subscription opts in to renewal: the chosen card, then auto-renew on."""
    sid = parse_uuid(subscription_id, "subscription_id")
    card = parse_uuid(card_id, "card_id")
    with customer(request, writes=True) as (work, account):
        lifecycle.change_payment_method(work, account.id, sid, card)
        lifecycle.set_auto_renew(work, account.id, sid, True)
    return redirect(f"/account/subscriptions/{sid}")
