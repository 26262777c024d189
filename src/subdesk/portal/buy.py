"""Buying: the plans, a plan's page with its disclosures and the unticked auto-renewal box,
and the acknowledgment."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk import idempotency
from subdesk.billing import payment_methods
from subdesk.billing.card_input import expiry_number
from subdesk.billing.gateway import CardToken
from subdesk.catalog.service import current_disclosure, get_plan, list_offers
from subdesk.context import Work
from subdesk.errors import InvalidRequest, SubdeskError
from subdesk.fields import FormText as Field
from subdesk.http import database_of, parse_uuid, runtime_of
from subdesk.models import Account
from subdesk.portal.account import subscription_context
from subdesk.portal.web import customer, render
from subdesk.subscriptions import checkout, duplicate_purchases, purchase
from subdesk.subscriptions.duplicate_purchases import DuplicatePurchase
from subdesk.text import is_ascii_digits
from subdesk.web.kit import form_error, new_form_key, redirect, visitor

router = APIRouter(include_in_schema=False)

BUY_FIELDS = (
    "card_number",
    "exp_month",
    "exp_year",
    "auto_renew_consent",
    "confirm_second_purchase",
)


@router.get("/plans", response_class=HTMLResponse)
def plans(request: Request) -> Response:
    with visitor(request) as work:
        return render(request, "plans.html", {"offers": list_offers(work.session)})


def _buy_page(
    request: Request,
    work: Work,
    account: Account,
    plan_id: uuid.UUID,
    refused: SubdeskError | None = None,
    **form: object,
) -> Response:
    """The plan's page; a product the account holds already says so first, with the choices
    instead of paying twice (and the box to buy a second one on purpose)."""
    plan = get_plan(work.session, plan_id)
    duplicate = refused if isinstance(refused, DuplicatePurchase) else None
    errors = {} if refused is None or duplicate else form_error(refused, BUY_FIELDS)
    context = {
        "account": account,
        "plan": plan,
        "disclosure": current_disclosure(work.session, plan.id),
        "cards": payment_methods.list_methods(work, account.id),
        "form_key": form.pop("form_key", None) or new_form_key(),
        "duplicate": duplicate or duplicate_purchases.refusal_of(work, account.id, plan),
        "errors": errors,
        "values": form,
    }
    status = duplicate.status if duplicate else 400 if errors else 200
    return render(request, "buy.html", context, status=status)


@router.get("/plans/{plan_id}", response_class=HTMLResponse)
def buy_page(plan_id: str, request: Request) -> Response:
    pid = parse_uuid(plan_id, "plan_id")
    with customer(request) as (work, account):
        return _buy_page(request, work, account, pid)


def _typed_card(
    request: Request, card_id: str, number: str, month: str, year: str
) -> CardToken | None:
    """The new card typed in, tokenized by the processor (before any transaction), or None
    when a saved card was chosen."""
    if card_id and card_id != "new":
        return None
    if not number.strip():
        raise InvalidRequest("Enter a card number.", field="card_number")
    return payment_methods.tokenize(
        runtime_of(request).gateway,
        number=number,
        exp_month=expiry_number(month, "exp_month"),
        exp_year=expiry_number(year, "exp_year"),
        cvc="000",
    )


def _card(work: Work, account: Account, card_id: str, typed: CardToken | None) -> uuid.UUID:
    """The chosen saved card, or the new one (added to the account)."""
    if typed is None:
        return payment_methods.get_method(work, account.id, parse_uuid(card_id, "card_id")).id
    return payment_methods.save_card(work, account.id, typed).id


@router.post("/plans/{plan_id}/buy", response_class=HTMLResponse)
def buy(
    plan_id: str,
    request: Request,
    form_key: Field = "",
    disclosure_version: Field = "",
    auto_renew_consent: Field = "",
    card_id: Field = "",
    card_number: Field = "",
    exp_month: Field = "",
    exp_year: Field = "",
    confirm_second_purchase: Field = "",
) -> Response:
    """One submission buys once: the form's key makes a second submission a replay."""
    pid = parse_uuid(plan_id, "plan_id")
    key = form_key or new_form_key()
    scope = "portal:buy"
    fingerprint = idempotency.request_fingerprint({"plan": str(pid)})

    def bought_already() -> Response | None:
        with customer(request) as (work, account):
            stored = idempotency.replay(work.session, f"{account.id}:{scope}", key, fingerprint)
        return redirect(f"/account/subscriptions/{stored[1]['id']}/welcome") if stored else None

    try:
        if (done := bought_already()) is not None:
            return done
        typed = _typed_card(request, card_id, card_number, exp_month, exp_year)
        with customer(request, writes=True) as (work, account):
            bought = purchase.Purchase(
                plan_id=pid,
                payment_method_id=_card(work, account, card_id, typed),
                auto_renew_consent=auto_renew_consent == "on",
                disclosure_version=int(disclosure_version)
                if is_ascii_digits(disclosure_version) and len(disclosure_version) < 10
                else None,
                idempotency_key=key,
                confirm_second_purchase=confirm_second_purchase == "on",
            )
            order = checkout.Order(
                account_id=account.id,
                deal=bought,
                surface="portal",
                scope=f"{account.id}:{scope}",
                fingerprint=fingerprint,
                client_ip=work.client_ip,
                user_agent=work.user_agent,
            )
            # A refused order keeps no new card: checked before this unit commits.
            purchase.check_new_order(work, account.id, bought)
        # The card is saved first; the purchase is its own units of work around the charge.
        _status, answer = checkout.buy(database_of(request), runtime_of(request), order)
        sid = answer["id"]
    except SubdeskError as error:
        if error.code == "sign_in_needed":
            raise
        # The same submission, sent twice, may have bought it meanwhile: its page, then.
        if isinstance(error, DuplicatePurchase) and (done := bought_already()) is not None:
            return done
        with customer(request) as (work, account):
            return _buy_page(
                request,
                work,
                account,
                pid,
                error,
                form_key=new_form_key(),
                card_id=card_id,
                card_number=card_number,
                exp_month=exp_month,
                exp_year=exp_year,
                confirm_second_purchase=confirm_second_purchase,
            )
    return redirect(f"/account/subscriptions/{sid}/welcome")


@router.post("/account/subscriptions/{subscription_id}/upgrade")
def upgrade(
    subscription_id: str, request: Request, plan_id: Field = "", form_key: Field = ""
) -> Response:
    """The choice instead of buying a product twice: the subscription held moves to a bigger
    plan now, the rest of its period charged pro rata through the checkout's steps."""
    sid = parse_uuid(subscription_id, "subscription_id")
    plan = parse_uuid(plan_id, "plan_id")
    with customer(request) as (work, account):
        order = checkout.Order(
            account_id=account.id,
            deal=checkout.PlanChangeNow(sid, plan, form_key or new_form_key()),
            surface="portal",
            scope=f"{account.id}:portal:upgrade",
            fingerprint=idempotency.request_fingerprint({"plan": str(plan), "sub": str(sid)}),
            client_ip=work.client_ip,
            user_agent=work.user_agent,
        )
    checkout.buy(database_of(request), runtime_of(request), order)
    return redirect(f"/account/subscriptions/{sid}")


@router.get("/account/subscriptions/{subscription_id}/welcome", response_class=HTMLResponse)
def acknowledgment(subscription_id: str, request: Request) -> Response:
    """The acknowledgment: what was bought, what it costs and when, and how to cancel."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        return render(request, "welcome.html", subscription_context(work, account, sid))
