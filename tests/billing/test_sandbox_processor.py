"""The sandbox processor's own behaviour: faults, idempotency keys, bad input, concurrency."""

from __future__ import annotations

import asyncio
import time

import httpx2 as httpx
import pytest

from subdesk.billing.gateway import Charge, GatewayRateLimited, GatewayUnavailable, InvalidCard
from subdesk.billing.stripe_gateway import StripeGateway
from subdesk.money import Money
from tests.billing.conftest import API_KEY
from tests.billing.processor_server import ProcessorServer

AUTH = {"Authorization": f"Bearer {API_KEY}"}
USD_10 = Money(1000, "USD")


def gateway(server: ProcessorServer, timeout: float = 5) -> StripeGateway:
    return StripeGateway(API_KEY, api_base=server.url, timeout_seconds=timeout)


def api(server: ProcessorServer) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers=AUTH, timeout=5)


def intent_form(method: str, **extra: str) -> dict[str, str]:
    form = {"amount": "1000", "currency": "usd", "payment_method": method, "confirm": "true"}
    return form | {"off_session": "true", **extra}


def test_requests_beyond_the_rate_limit_get_429_with_retry_after(
    fresh_processor: ProcessorServer,
) -> None:
    fresh_processor.control("config", {"rate_limit": 3})
    with api(fresh_processor) as client:
        answers = [client.get("/v1/refunds") for _ in range(10)]
    limited = [a for a in answers if a.status_code == 429]
    assert limited
    assert int(limited[0].headers["Retry-After"]) >= 1
    assert limited[0].json()["error"]["code"] == "rate_limit"
    with pytest.raises(GatewayRateLimited) as caught:
        gateway(fresh_processor).find_charge("anything")
    assert caught.value.retry_after >= 1


def test_rate_limit_holds_for_many_concurrent_clients(fresh_processor: ProcessorServer) -> None:
    fresh_processor.control("config", {"rate_limit": 10, "latency_ms": 20})

    async def burst() -> tuple[list[int], float]:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=fresh_processor.url, headers=AUTH) as client:
            answers = await asyncio.gather(*(client.get("/v1/refunds") for _ in range(50)))
        return [a.status_code for a in answers], time.monotonic() - started

    statuses, elapsed = asyncio.run(burst())
    assert set(statuses) == {200, 429}
    # A bucket of one second's requests, refilled at the rate while the burst lasts.
    assert statuses.count(200) <= 10 + 10 * elapsed + 1


def test_latency_is_waited_concurrently(fresh_processor: ProcessorServer) -> None:
    latency, count = 0.1, 20
    fresh_processor.control("config", {"latency_ms": latency * 1000})

    async def together() -> float:
        started = time.monotonic()
        async with httpx.AsyncClient(base_url=fresh_processor.url, headers=AUTH) as client:
            answers = await asyncio.gather(*(client.get("/v1/refunds") for _ in range(count)))
        assert {a.status_code for a in answers} == {200}
        return time.monotonic() - started

    elapsed = asyncio.run(together())
    assert latency <= elapsed < count * latency / 4


def test_charge_whose_answer_is_withheld_is_captured_all_the_same(
    fresh_processor: ProcessorServer,
) -> None:
    fresh_processor.control("config", {"timeout_after_charge": 1, "withhold_seconds": 2})
    impatient = gateway(fresh_processor, timeout=0.3)
    card = impatient.tokenize_card("4242424242424242", 12, 2030, "123")
    with pytest.raises(GatewayUnavailable):
        impatient.charge(card.token, USD_10, "withheld", reference="lost-answer")
    found = impatient.find_charge("lost-answer")
    assert isinstance(found, Charge)
    assert found.amount == USD_10
    assert fresh_processor.control("stats")["totals"]["withheld"] == 1


def test_payments_listing_shows_each_intent_with_its_reference_and_refunds(
    fresh_processor: ProcessorServer,
) -> None:
    stripe_gateway = gateway(fresh_processor)
    card = stripe_gateway.tokenize_card("4242424242424242", 12, 2030, "123")
    kept = stripe_gateway.charge(card.token, USD_10, "kept", reference="ref-kept")
    refunded = stripe_gateway.charge(card.token, USD_10, "refunded", reference="ref-refunded")
    stripe_gateway.refund(refunded.charge_id, Money(400, "USD"), "refund-1")
    listing = fresh_processor.control("payments")["data"]
    by_id = {intent["id"]: intent for intent in listing}
    assert [i["id"] for i in listing] == [kept.charge_id, refunded.charge_id]
    assert by_id[kept.charge_id]["metadata"] == {"subdesk_reference": "ref-kept"}
    assert by_id[kept.charge_id]["status"] == "succeeded"
    assert by_id[kept.charge_id]["amount_refunded"] == 0
    assert by_id[refunded.charge_id]["amount_refunded"] == 400


def test_injected_500s_are_gateway_unavailable(fresh_processor: ProcessorServer) -> None:
    fresh_processor.control("config", {"error_500": 1})
    with pytest.raises(GatewayUnavailable):
        gateway(fresh_processor).find_charge("anything")
    fresh_processor.control("config", {"error_500": 0.5, "seed": 7})
    with api(fresh_processor) as client:
        statuses = [client.get("/v1/refunds").status_code for _ in range(40)]
    assert 5 < statuses.count(500) < 35
    assert set(statuses) == {200, 500}


def test_repeated_key_replays_the_first_response(fresh_processor: ProcessorServer) -> None:
    card = gateway(fresh_processor).tokenize_card("4000000000000002", 12, 2030, "123")
    method = card.token.partition(":")[0]
    with api(fresh_processor) as client:
        first = client.post(
            "/v1/payment_intents", data=intent_form(method), headers={"Idempotency-Key": "k"}
        )
        again = client.post(
            "/v1/payment_intents", data=intent_form(method), headers={"Idempotency-Key": "k"}
        )
    assert first.status_code == again.status_code == 402
    assert first.json() == again.json()
    assert again.headers["Idempotent-Replayed"] == "true"


def test_key_reused_with_other_parameters_is_an_idempotency_error(
    fresh_processor: ProcessorServer,
) -> None:
    stripe_gateway = gateway(fresh_processor)
    card = stripe_gateway.tokenize_card("4242424242424242", 12, 2030, "123")
    stripe_gateway.charge(card.token, USD_10, "key", reference="a")
    with api(fresh_processor) as client:
        other = intent_form(card.token.partition(":")[0], amount="999")
        answer = client.post("/v1/payment_intents", data=other, headers={"Idempotency-Key": "key"})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "idempotency_error"
    with pytest.raises(InvalidCard) as caught:
        stripe_gateway.charge(card.token, Money(999, "USD"), "key", reference="a")
    assert caught.value.code == "idempotency_key_reused"


def test_forgotten_key_makes_a_new_payment(fresh_processor: ProcessorServer) -> None:
    fresh_processor.control("config", {"forget_keys_after": 0})
    stripe_gateway = gateway(fresh_processor)
    card = stripe_gateway.tokenize_card("4242424242424242", 12, 2030, "123")
    first = stripe_gateway.charge(card.token, USD_10, "key")
    time.sleep(0.01)
    assert stripe_gateway.charge(card.token, USD_10, "key") != first


@pytest.mark.parametrize(
    "body",
    [
        b"\xff\xfe",
        b"amount=1000&amount=2000",
        b"metadata[a]=1&metadata=2",
        b"a[b][c][d][e][f]=1",
        b"=x",
        b"a]b=1",
        b"amount=abc&currency=usd",
        b"amount=-5&currency=usd",
        b"amount=1000&currency=usd&surprise=1",
        b"amount=1000&currency=us1",
        b"amount=1000",
        b"amount=1000&currency=usd&metadata[" + b"k" * 41 + b"]=v",
        b"amount=1000&currency=usd&confirm=maybe",
    ],
)
def test_bad_form_is_a_400_with_stripes_error_body(processor: ProcessorServer, body: bytes) -> None:
    with api(processor) as client:
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        answer = client.post("/v1/payment_intents", content=body, headers=headers)
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("header", [None, "Bearer sk_live_x", "Bearer pk_test_x", "Basic !!"])
def test_missing_or_bad_secret_key_is_a_401(processor: ProcessorServer, header: str | None) -> None:
    headers = {"Authorization": header} if header else {}
    answer = httpx.post(f"{processor.url}/v1/customers", headers=headers, timeout=5)
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "invalid_request_error"


def test_unknown_url_is_a_404_with_stripes_error_body(processor: ProcessorServer) -> None:
    with api(processor) as client:
        answer = client.get("/v1/nothing")
    assert answer.status_code == 404
    assert "Unrecognized request URL" in answer.json()["error"]["message"]


def test_search_takes_only_the_metadata_form(processor: ProcessorServer) -> None:
    with api(processor) as client:
        answer = client.get("/v1/payment_intents/search", params={"query": "amount>100"})
    assert answer.status_code == 400


def test_disputed_later_card_is_disputed_on_request(fresh_processor: ProcessorServer) -> None:
    stripe_gateway = gateway(fresh_processor)
    card = stripe_gateway.tokenize_card("4000000000000259", 12, 2030, "123")
    charge = stripe_gateway.charge(card.token, USD_10, "k")
    stripe_gateway.charge(
        stripe_gateway.tokenize_card("4242424242424242", 12, 2030, "123").token, USD_10, "k2"
    )
    opened = fresh_processor.control("disputes")["data"]
    assert [d["payment_intent"] for d in opened] == [charge.charge_id]
    assert fresh_processor.control("disputes")["data"] == []


def test_bad_knobs_are_refused(processor: ProcessorServer) -> None:
    with httpx.Client(base_url=processor.url, timeout=5) as client:
        assert client.post("/_sandbox/config", json={"error_500": 2}).status_code == 400
        assert client.post("/_sandbox/config", json={"nonsense": 1}).status_code == 400
