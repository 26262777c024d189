"""Processor events (Stripe webhooks): verified, applied once and in any order; a dispute opens
a case with the evidence, a lost one counts against its payment, and refunds with disputes
never exceed what was captured."""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlalchemy import select

from subdesk.app import create_app
from subdesk.billing import disputes, ledger
from subdesk.config import Settings
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.errors import Conflict
from subdesk.models import AuditEvent, CaseMessage, Dispute, Payment, Refund, SupportCase
from subdesk.money import Money
from subdesk.support.dispute_evidence import open_dispute_case
from tests.factories import customer, subscribe

SECRET = "whsec_test_secret"


@pytest.fixture
def events(
    settings: Settings, runtime: Runtime, database: Database, catalog: None
) -> Iterator[TestClient]:
    configured = settings.model_copy(update={"stripe_webhook_secret": SecretStr(SECRET)})
    app = create_app(
        runtime=Runtime(configured, runtime.clock, runtime.gateway, runtime.signer),
        database=database,
    )
    with TestClient(app) as client:
        yield client


def signed(event: dict[str, Any], secret: str = SECRET) -> tuple[bytes, dict[str, str]]:
    """The event as Stripe sends it: the body, and `Stripe-Signature: t=...,v1=HMAC-SHA256`."""
    body = json.dumps(event).encode()
    stamp = int(time.time())
    mac = hmac.new(secret.encode(), f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
    return body, {"Stripe-Signature": f"t={stamp},v1={mac}", "Content-Type": "application/json"}


def send(client: TestClient, event: dict[str, Any], secret: str = SECRET) -> Any:
    body, headers = signed(event, secret)
    return client.post("/api/v1/gateways/stripe/events", content=body, headers=headers)


def dispute_event(
    payment: Payment,
    status: str,
    *,
    event_id: str | None = None,
    amount: int | None = None,
    dispute_id: str = "dp_1",
) -> dict[str, Any]:
    kind = {"won": "closed", "lost": "closed"}.get(status, "created")
    return {
        "id": event_id or f"evt_{uuid.uuid4().hex}",
        "type": f"charge.dispute.{kind}",
        "created": int(time.time()),
        "data": {
            "object": {
                "id": dispute_id,
                "object": "dispute",
                "amount": payment.amount_minor if amount is None else amount,
                "currency": payment.currency.lower(),
                "charge": payment.gateway_charge_id,
                "reason": "fraudulent",
                "status": status,
            }
        },
    }


def the_payment(database: Database) -> Payment:
    with database.transaction() as session:
        return session.scalars(select(Payment)).one()


def test_a_dispute_opens_a_case_with_the_evidence_and_holds_the_payment(
    events: TestClient, client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    payment = the_payment(database)
    answer = send(events, dispute_event(payment, "needs_response"))
    assert answer.status_code == 200
    assert answer.json()["outcome"] == "dispute_open"
    with database.transaction() as session:
        dispute = session.scalars(select(Dispute)).one()
        case = session.get_one(SupportCase, dispute.case_id)
        note = session.scalars(select(CaseMessage).where(CaseMessage.case_id == case.id)).one()
        held = session.get_one(Payment, payment.id).disputed_minor
        actions = [e.action for e in session.scalars(select(AuditEvent))]
    assert (dispute.status, held, case.priority, note.internal) == (
        "open",
        payment.amount_minor,
        "high",
        True,
    )
    for evidence in ("disclosure version", "SD-2026-", "never canceled", "no device"):
        assert evidence in note.body
    assert "dispute.opened" in actions
    # Nothing is left to refund while the bank holds it all.
    cancel = client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
    )
    assert cancel.status_code == 200
    assert cancel.json()["refund"]["amount"] == 0


def test_a_lost_dispute_counts_and_a_won_one_gives_the_payment_back(
    events: TestClient, client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    subscribe(client, buyer, "av1-year-usd")
    payment = the_payment(database)
    send(events, dispute_event(payment, "needs_response", dispute_id="dp_lost", amount=1000))
    assert (
        send(events, dispute_event(payment, "lost", dispute_id="dp_lost", amount=1000)).json()[
            "outcome"
        ]
        == "dispute_lost"
    )
    assert the_payment(database).disputed_minor == 1000
    send(events, dispute_event(payment, "needs_response", dispute_id="dp_won", amount=500))
    assert the_payment(database).disputed_minor == 1500
    send(events, dispute_event(payment, "won", dispute_id="dp_won", amount=500))
    assert the_payment(database).disputed_minor == 1000
    assert ledger.refundable(the_payment(database)) == payment.amount_minor - 1000


def test_events_out_of_order_and_replayed_change_nothing_twice(
    events: TestClient, client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    subscribe(client, buyer, "av1-year-usd")
    payment = the_payment(database)
    closed = dispute_event(payment, "lost", event_id="evt_closed")
    assert send(events, closed).json()["outcome"] == "dispute_lost"
    assert send(events, closed).json()["outcome"] == "replayed"
    late_open = dispute_event(payment, "needs_response", event_id="evt_open")
    assert send(events, late_open).json()["outcome"] == "unchanged"
    with database.transaction() as session:
        (dispute,) = session.scalars(select(Dispute)).all()
        cases = session.scalars(select(SupportCase)).all()
    assert (dispute.status, len(cases)) == ("lost", 1)
    assert the_payment(database).disputed_minor == payment.amount_minor


def test_bad_events_answer_4xx_or_are_ignored_and_write_nothing(
    events: TestClient, client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    subscribe(client, buyer, "av1-year-usd")
    payment = the_payment(database)
    forged = send(events, dispute_event(payment, "lost"), secret="whsec_wrong")
    assert (forged.status_code, forged.json()["error"]["code"]) == (400, "bad_signature")
    unsigned = events.post("/api/v1/gateways/stripe/events", content=b"{}")
    assert unsigned.status_code == 400
    body, headers = signed({"id": "evt_x"})
    malformed = events.post("/api/v1/gateways/stripe/events", content=body, headers=headers)
    assert (malformed.status_code, malformed.json()["error"]["code"]) == (400, "invalid_event")
    not_json = b"\xff\xfe not json"
    stamp = int(time.time())
    mac = hmac.new(SECRET.encode(), f"{stamp}.".encode() + not_json, hashlib.sha256).hexdigest()
    garbled = events.post(
        "/api/v1/gateways/stripe/events",
        content=not_json,
        headers={"Stripe-Signature": f"t={stamp},v1={mac}"},
    )
    assert garbled.status_code == 400
    unknown = send(events, {"id": "evt_u", "type": "customer.created", "data": {"object": {}}})
    assert (unknown.status_code, unknown.json()["outcome"]) == (200, "ignored")
    assert events.post("/api/v1/gateways/adyen/events", content=b"{}").status_code == 404
    # Without a configured secret, nothing is accepted.
    assert send(client, dispute_event(payment, "lost")).status_code == 404
    with database.transaction() as session:
        assert session.scalars(select(Dispute)).all() == []
    assert the_payment(database).disputed_minor == 0


def test_a_refund_the_processor_fails_after_success_gives_its_amount_back(
    events: TestClient, client: TestClient, database: Database
) -> None:
    buyer = customer(client)
    sub = subscribe(client, buyer, "av1-year-usd")
    client.post(
        f"/api/v1/subscriptions/{sub['id']}/cancel", json={"when": "now"}, headers=buyer.headers
    )
    with database.transaction() as session:
        refund = session.scalars(select(Refund)).one()
    assert refund.status == "succeeded"
    event = {
        "id": "evt_refund_failed",
        "type": "refund.failed",
        "data": {
            "object": {
                "id": refund.gateway_refund_id,
                "status": "failed",
                "failure_reason": "lost_or_stolen_card",
                "metadata": {"subdesk_reference": str(refund.id)},
            }
        },
    }
    assert send(events, event).json()["outcome"] == "failed"
    with database.transaction() as session:
        assert session.get_one(Refund, refund.id).status == "failed"
        assert session.get_one(Payment, refund.payment_id).refunded_minor == 0


OPS = st.lists(
    st.one_of(
        st.tuples(st.just("refund"), st.integers(1, 3000)),
        st.tuples(
            st.sampled_from(["needs_response", "won", "lost"]),
            st.sampled_from(["a", "b", "c"]),
            st.integers(0, 3000),
        ),
    ),
    max_size=8,
)


@hypothesis_settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(captured=st.integers(1, 3000), ops=OPS)
def test_refunds_and_disputes_never_exceed_the_capture(
    client: TestClient, database: Database, runtime: Runtime, captured: int, ops: list[Any]
) -> None:
    payment_id = _fresh_payment(client, database, captured)
    expected_lost = 0
    for op in ops:
        with database.transaction() as session:
            work = Work(session, runtime)
            payment = session.get_one(Payment, payment_id)
            if op[0] == "refund":
                with contextlib.suppress(Conflict):
                    ledger.refund(
                        work, payment, op[1], reason="goodwill", idempotency_key=uuid.uuid4().hex
                    )
            else:
                status, name, amount = op
                report = disputes.DisputeReport(
                    f"{payment_id}:{name}",
                    (payment.gateway_charge_id,),
                    Money(amount, "USD"),
                    "fraudulent",
                    status,
                    work.now,
                )
                disputes.apply_dispute(work, report, open_dispute_case)
        with database.transaction() as session:
            payment = session.get_one(Payment, payment_id)
            held = session.scalars(
                select(Dispute).where(
                    Dispute.payment_id == payment_id, Dispute.status.in_(("open", "lost"))
                )
            ).all()
            expected_lost = sum(d.counted_minor for d in held if d.status == "lost")
            assert payment.refunded_minor + payment.disputed_minor <= payment.amount_minor
            assert payment.disputed_minor == sum(d.counted_minor for d in held)
    assert expected_lost <= captured


def _fresh_payment(client: TestClient, database: Database, captured: int) -> uuid.UUID:
    """A new captured payment of `captured` on one subscription (made once per database)."""
    with database.transaction() as session:
        found = session.scalars(select(Payment)).first()
    if found is None:
        subscribe(client, customer(client), "av1-year-usd")
    with database.transaction() as session:
        base = session.scalars(select(Payment).order_by(Payment.captured_at)).first()
        assert base is not None
        payment = Payment(
            account_id=base.account_id, subscription_id=base.subscription_id, kind="renewal",
            period_number=base.period_number, first_paid=False, amount_minor=captured,
            refunded_minor=0, disputed_minor=0, currency="USD",
            gateway_charge_id=f"ch_USD{captured}_{uuid.uuid4().hex}",
            idempotency_key=uuid.uuid4().hex, captured_at=base.captured_at,
        )  # fmt: skip
        session.add(payment)
        session.flush()
        return payment.id
