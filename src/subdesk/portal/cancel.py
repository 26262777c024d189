"""Cancelling in two steps: what each choice does, then the confirmation with its proof."""

from __future__ import annotations

import json
import uuid

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from subdesk import idempotency
from subdesk.catalog.service import list_offers, plan_of
from subdesk.context import Work
from subdesk.db import after_answer
from subdesk.errors import InvalidRequest
from subdesk.fields import FormText
from subdesk.http import database_of, parse_uuid, runtime_of
from subdesk.models import Cancellation, Subscription
from subdesk.money import Money
from subdesk.portal.web import customer, render
from subdesk.subscriptions import bundles, cancellation, checkout, repository, withdrawal
from subdesk.subscriptions.cancellation import When
from subdesk.subscriptions.channels import CANCEL_STEPS, STORES, Channel
from subdesk.subscriptions.retention import save_offer
from subdesk.web.kit import new_form_key, redirect

router = APIRouter(include_in_schema=False)


def _owned(work: Work, account_id: uuid.UUID, done: Cancellation) -> Subscription:
    return repository.get_owned(work.session, account_id, done.subscription_id)


def _path(sid: uuid.UUID) -> str:
    return f"/account/subscriptions/{sid}"


@router.get("/account/subscriptions/{subscription_id}/cancel", response_class=HTMLResponse)
def cancel_page(subscription_id: str, request: Request) -> Response:
    """Step 1: each choice with exactly what happens, and at most one save offer beside them."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        preview = cancellation.preview(work, account.id, sid)
        offer = None
        main = not preview.plan.product.addon
        if preview.subscription.channel == "direct" and preview.choices and main:
            plans = [o.plan for o in list_offers(work.session) if not o.product.addon]
            offer = save_offer(preview.plan, plans)
        ending = {a.subscription.id for a in preview.addons}
        others = [a for a in bundles.live_addons(work, account.id) if a.id not in ending]
        context = {
            "account": account,
            "preview": preview,
            "now_at": work.now,
            "choices": {c.when.value: c for c in preview.choices},
            "services": [s.name for s in preview.plan.product.services],
            "offer": offer,
            "ending_addons": [
                (a.plan.name, {c.when.value: c for c in a.choices}) for a in preview.addons
            ],
            "addons": [plan_of(work, a.plan_id).name for a in others] if main else [],
            "offer_price": Money(offer.renewal_price_minor, offer.currency) if offer else None,
            "store_steps": CANCEL_STEPS.get(Channel(preview.subscription.channel))
            if preview.subscription.channel in STORES
            else None,
            "form_key": new_form_key(),
        }
        return render(request, "cancel.html", context)


@router.post("/account/subscriptions/{subscription_id}/cancel")
def cancel(
    subscription_id: str,
    request: Request,
    when: FormText = "",
    reason: FormText = "",
    include_addons: FormText = "",
) -> Response:
    """Step 2 follows: the confirmation page of this cancellation."""
    sid = parse_uuid(subscription_id, "subscription_id")
    try:
        choice = When(when)
    except ValueError:
        raise InvalidRequest("Choose how to cancel.", field="when") from None
    with customer(request, writes=True) as (work, account):
        after_answer(work.session)  # the confirmation page follows; the refund, right after
        done = bundles.cancel_with_addons(
            work, account.id, sid, choice, reason.strip()[:500] or None, include_addons == "on"
        )
        public_id = done.cancellation.public_id
        also = ",".join(a.public_id for a in done.addons)
    return redirect(f"/account/cancellations/{public_id}" + (f"?with={also}" if also else ""))


@router.post("/account/subscriptions/{subscription_id}/save-offer")
def accept_offer(
    subscription_id: str,
    request: Request,
    plan_id: FormText = "",
    form_key: FormText = "",
) -> Response:
    sid = parse_uuid(subscription_id, "subscription_id")
    plan = parse_uuid(plan_id, "plan_id")
    with customer(request) as (work, account):
        order = checkout.Order(
            account_id=account.id,
            deal=checkout.PlanChangeNow(sid, plan, form_key or str(uuid.uuid4())),
            surface="portal",
            scope=f"{account.id}:portal:save-offer",
            fingerprint=idempotency.request_fingerprint({"plan": str(plan), "sub": str(sid)}),
            client_ip=work.client_ip,
            user_agent=work.user_agent,
        )
    # The offer is another plan: one that costs more is charged through the checkout's steps.
    checkout.buy(database_of(request), runtime_of(request), order)
    return redirect(_path(sid))


@router.get("/account/subscriptions/{subscription_id}/withdraw", response_class=HTMLResponse)
def withdraw_page(subscription_id: str, request: Request) -> Response:
    """EU withdrawal, step 1 of 2: what withdrawing does, and a button to confirm it."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request) as (work, account):
        preview = cancellation.preview(work, account.id, sid, withdrawal=True)
        withdrawal.check_withdrawal_open(account, preview.subscription, work.now)
        now = next(c for c in preview.choices if c.when is When.NOW)
        context = {
            "account": account,
            "preview": preview,
            "refund": now.refund,
            "now_at": work.now,
            "ending_addons": [
                (a.plan.name, {c.when.value: c for c in a.choices}) for a in preview.addons
            ],
        }
        return render(request, "withdraw.html", context)


@router.post("/account/subscriptions/{subscription_id}/withdraw")
def withdraw(subscription_id: str, request: Request) -> Response:
    """EU withdrawal, step 2: done, and the acknowledgment with its signed receipt follows."""
    sid = parse_uuid(subscription_id, "subscription_id")
    with customer(request, writes=True) as (work, account):
        public_id = withdrawal.withdraw(work, account, sid).public_id
    return redirect(f"/account/cancellations/{public_id}")


@router.get("/account/cancellations/{public_id}", response_class=HTMLResponse)
def confirmation(
    public_id: str, request: Request, with_: str = Query("", alias="with")
) -> Response:
    with customer(request) as (work, account):
        done = repository.cancellation_by_public_id(work.session, account.id, public_id)
        subscription = repository.get_owned(work.session, account.id, done.subscription_id)
        plan = plan_of(work, subscription.plan_id)
        ended = bundles.services_ending(work, subscription, done.effective_at)
        addons = repository.addon_cancellations(work.session, done.id)
        listed = {a.public_id for a in addons}
        addons += [
            repository.cancellation_by_public_id(work.session, account.id, other)
            for other in with_.split(",")[:10]
            if other and other.strip().upper() not in listed
        ]
        context = {
            "account": account,
            "done": done,
            "ended": ended,
            "addon_cancellations": [
                (
                    a,
                    bundles.services_ending(work, _owned(work, account.id, a), a.effective_at),
                    Money(a.refund_minor, a.currency),
                )
                for a in addons
            ],
            "withdrawn": done.reason == withdrawal.REASON,
            "refund": Money(done.refund_minor, done.currency),
            "plan": plan,
            "services": [s.name for s in plan.product.services],
        }
        return render(request, "confirmation.html", context)


@router.get("/account/cancellations/{public_id}/receipt.json")
def receipt(public_id: str, request: Request) -> Response:
    """The signed receipt: anyone with the public key can check it."""
    with customer(request) as (work, account):
        done = repository.cancellation_by_public_id(work.session, account.id, public_id)
        body = json.dumps(done.receipt, indent=2, ensure_ascii=False)
        name = done.public_id
    headers = {"Content-Disposition": f'attachment; filename="{name}.json"'}
    return Response(body, media_type="application/json", headers=headers)
