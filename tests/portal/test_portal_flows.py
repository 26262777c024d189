"""The customer flows of the portal over HTTP: sign-up, buying, cancelling in two steps."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from subdesk.clock import TestClock
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.models import Consent, PaymentMethod, Subscription
from tests.api.helpers import count
from tests.factories import plan_id
from tests.portal.pages import PASSWORD, Visitor, csrf_of, subscription_id_of
from tests.smtp import SmtpServer


def _bought(client: TestClient, code: str = "av1-year-usd") -> tuple[Visitor, str]:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.buy(plan_id(client, code))
    assert response.status_code == 303, response.text
    return visitor, subscription_id_of(response.headers["location"])


def test_sign_up_lands_on_an_empty_dashboard(client: TestClient) -> None:
    Visitor(client).sign_up()
    page = client.get("/account")
    assert page.status_code == 200
    assert "You have no subscriptions yet." in page.text


def test_buying_shows_the_acknowledgment_and_the_subscription_on_the_dashboard(
    client: TestClient,
) -> None:
    _visitor, sid = _bought(client)
    welcome = client.get(f"/account/subscriptions/{sid}/welcome")
    assert "Thank you" in welcome.text
    assert "$29.99" in client.get("/account").text or "$49.99" in client.get("/account").text
    dashboard = client.get("/account").text
    assert f'data-subscription-id="{sid}"' in dashboard
    assert "bought here" in dashboard
    assert "0 of 1 in use" in dashboard


def test_buying_without_the_auto_renewal_box_writes_nothing(
    client: TestClient, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.buy(plan_id(client, "av1-year-usd"), auto_renew_consent="")
    assert response.status_code == 400
    assert 'id="auto_renew_consent-error"' in response.text
    assert count(database, Subscription) == 0
    assert count(database, PaymentMethod) == 0


def test_submitting_the_buy_form_twice_buys_once(client: TestClient, database: Database) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    pid = plan_id(client, "av1-year-usd")
    page = client.get(f"/plans/{pid}")
    data = {
        "csrftoken": csrf_of(page),
        "form_key": re.findall(r'name="form_key" value="([^"]+)"', page.text)[0],
        "disclosure_version": "1",
        "card_number": "4242424242424242",
        "exp_month": "12",
        "exp_year": "2030",
        "auto_renew_consent": "on",
    }
    first = client.post(f"/plans/{pid}/buy", data=data, follow_redirects=False)
    second = client.post(f"/plans/{pid}/buy", data=data, follow_redirects=False)
    assert first.headers["location"] == second.headers["location"]
    assert count(database, Subscription) == 1
    assert count(database, Consent) == 1


def test_a_declined_card_is_reported_next_to_the_form(
    client: TestClient, database: Database
) -> None:
    visitor = Visitor(client)
    visitor.sign_up()
    response = visitor.buy(plan_id(client, "av1-year-usd"), card_number="4000000000000002")
    assert response.status_code == 400
    assert "error banner" in response.text, response.text[response.text.find("<main") :][:1500]
    assert count(database, Subscription) == 0


def test_cancel_now_inside_the_guarantee_confirms_with_id_refund_and_email(
    client: TestClient, smtp: SmtpServer
) -> None:
    _visitor, sid = _bought(client)
    step_one = client.get(f"/account/subscriptions/{sid}/cancel")
    assert "Stop renewal" in step_one.text
    assert "Cancel now" in step_one.text
    assert "Refund: $29.99" in step_one.text
    done = client.post(
        f"/account/subscriptions/{sid}/cancel",
        data={"csrftoken": csrf_of(step_one), "when": "now"},
    )
    assert done.status_code == 200
    cancellation_id = re.search(r"CXL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done.text)
    assert cancellation_id
    assert "$29.99" in done.text
    assert "We&#39;ve emailed you this." in done.text or "We've emailed you this." in done.text
    receipt = client.get(f"/account/cancellations/{cancellation_id.group(0)}/receipt.json")
    assert receipt.json()["payload"]["cancellation_id"] == cancellation_id.group(0)


def test_stop_renewal_keeps_protection_and_auto_renew_on_restores_it(client: TestClient) -> None:
    _visitor, sid = _bought(client)
    step_one = client.get(f"/account/subscriptions/{sid}/cancel")
    client.post(
        f"/account/subscriptions/{sid}/cancel",
        data={"csrftoken": csrf_of(step_one), "when": "period_end"},
    )
    page = client.get(f"/account/subscriptions/{sid}")
    assert "protected until January 15, 2027" in page.text
    assert "No further charges" in page.text
    restored = client.post(
        f"/account/subscriptions/{sid}/auto-renew",
        data={"csrftoken": csrf_of(page), "enabled": "on"},
    )
    assert "Active, renews on January 15, 2027" in restored.text
    assert "$49.99 on January 15, 2027" in restored.text


def test_a_save_offer_is_shown_beside_the_cancel_buttons_only_when_cheaper(
    client: TestClient,
) -> None:
    _visitor, suite = _bought(client, "suite3-year-usd")
    page = client.get(f"/account/subscriptions/{suite}/cancel").text
    assert page.count("Switch plan") == 1
    assert "Shield Antivirus, 1 device, yearly" in page
    _other, cheapest = _bought(client, "av1-year-usd")
    assert "Switch plan" not in client.get(f"/account/subscriptions/{cheapest}/cancel").text


def test_a_german_customer_reads_the_portal_in_german(client: TestClient) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="DE", locale="de")
    response = visitor.buy(plan_id(client, "av1-year-eur"))
    sid = subscription_id_of(response.headers["location"])
    page = client.get(f"/account/subscriptions/{sid}").text
    assert '<html lang="de">' in page
    assert "Aktiv, verlängert sich am 15. Januar 2027" in page
    assert "49,99" in page
    assert "Abonnement kündigen" in page


def test_devices_are_listed_renamed_and_removed_from_the_devices_page(
    client: TestClient,
) -> None:
    visitor = Visitor(client)
    email = visitor.sign_up()
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-usd")).headers["location"])
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD})
    device = {
        "fingerprint": "fingerprint-kitchen-1",
        "name": "Kitchen laptop",
        "platform": "windows",
    }
    activated = client.post(
        "/api/v1/licenses/activate",
        json={"subscription_id": sid, "device": device},
        headers={"Authorization": f"Bearer {token.json()['access_token']}"},
    )
    assert activated.status_code == 201, activated.text
    device_id = activated.json()["device"]["id"]
    page = client.get("/account/devices")
    assert "Kitchen laptop" in page.text
    assert "1 of 1 in use" in client.get("/account").text
    renamed = client.post(
        f"/account/devices/{device_id}/rename",
        data={"csrftoken": csrf_of(page), "name": "Study laptop"},
    )
    assert "Study laptop" in renamed.text
    too_long = client.post(
        f"/account/devices/{device_id}/rename",
        data={"csrftoken": csrf_of(page), "name": "x" * 101},
    )
    assert too_long.status_code == 400
    assert f'id="name-{device_id}-error"' in too_long.text
    client.post(f"/account/devices/{device_id}/remove", data={"csrftoken": csrf_of(page)})
    assert "Study laptop" not in client.get("/account/devices").text
    assert "0 of 1 in use" in client.get("/account").text
    check_in = client.post(
        "/api/v1/licenses/check-in",
        headers={"Authorization": f"Bearer {activated.json()['device_token']}"},
    )
    assert check_in.json()["code"] == "DEVICE_REMOVED"


def test_an_eu_customer_withdraws_within_14_days_and_gets_everything_back(
    client: TestClient, clock: TestClock
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="FR")
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-eur")).headers["location"])
    clock.advance(timedelta(days=13))
    page = client.get(f"/account/subscriptions/{sid}")
    assert "Withdraw from contract here" in page.text
    confirm = client.get(f"/account/subscriptions/{sid}/withdraw")
    assert "€29.99 to your card" in confirm.text
    done = client.post(
        f"/account/subscriptions/{sid}/withdraw", data={"csrftoken": csrf_of(confirm)}
    )
    assert "Withdrawal confirmed" in done.text
    assert "€29.99" in done.text
    assert re.search(r"CXL-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", done.text)


def test_withdrawing_from_the_main_contract_withdraws_from_its_add_on_too(
    client: TestClient, clock: TestClock
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="FR")
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-eur")).headers["location"])
    clock.advance(timedelta(days=3))
    vpn = subscription_id_of(visitor.buy(plan_id(client, "vpn-addon-year-eur")).headers["location"])
    clock.advance(timedelta(days=10))
    confirm = client.get(f"/account/subscriptions/{sid}/withdraw")
    assert "Secure VPN add-on, jährlich: ends now, refund €29.99" in confirm.text
    done = client.post(
        f"/account/subscriptions/{sid}/withdraw", data={"csrftoken": csrf_of(confirm)}
    )
    assert "Withdrawal confirmed" in done.text
    assert re.search(r"Secure VPN: January 28, 2026 \(CXL-[^,]+, refund €29\.99\)", done.text)
    page = client.get(f"/account/subscriptions/{vpn}")
    assert "Cancel subscription" not in page.text  # it has ended


def test_the_withdrawal_closes_after_14_days_and_outside_the_eu(
    client: TestClient, clock: TestClock
) -> None:
    visitor = Visitor(client)
    visitor.sign_up(country="FR")
    sid = subscription_id_of(visitor.buy(plan_id(client, "av1-year-eur")).headers["location"])
    clock.advance(timedelta(days=14))
    assert "Withdraw from contract here" not in client.get(f"/account/subscriptions/{sid}").text
    assert client.get(f"/account/subscriptions/{sid}/withdraw").status_code == 409
    _american, us_sid = _bought(client)
    assert "Withdraw from contract here" not in client.get(f"/account/subscriptions/{us_sid}").text


def test_the_add_ons_end_with_the_main_subscription_in_one_step(client: TestClient) -> None:
    visitor, sid = _bought(client)
    visitor.buy(plan_id(client, "vpn-addon-year-usd"))
    step_one = client.get(f"/account/subscriptions/{sid}/cancel")
    assert "Your add-ons end with it:" in step_one.text
    assert "Secure VPN add-on, yearly: ends now, refund $29.99" in step_one.text
    assert "Secure VPN add-on, yearly: protected until January 15, 2027, no refund" in (
        step_one.text
    )
    assert "Also cancel my add-ons now" not in step_one.text  # nothing to tick: it ends anyway
    done = client.post(
        f"/account/subscriptions/{sid}/cancel", data={"csrftoken": csrf_of(step_one), "when": "now"}
    )
    assert done.status_code == 200
    assert "Antivirus: January 15, 2026" in done.text
    ended = r"Secure VPN: January 15, 2026 \(CXL-[^,]+, refund \$29\.99\)"
    assert len(re.findall(ended, done.text)) == 1


def test_renewing_the_main_plan_again_offers_its_add_ons_back(client: TestClient) -> None:
    visitor, sid = _bought(client)
    vpn = subscription_id_of(visitor.buy(plan_id(client, "vpn-addon-year-usd")).headers["location"])
    main_page = f"/account/subscriptions/{sid}"
    visitor.submit(main_page, f"{main_page}/auto-renew", enabled="off")
    stopped = client.get(f"/account/subscriptions/{vpn}")
    assert "This add-on renews only with your main plan" in stopped.text
    assert "Turn auto-renew on" not in stopped.text
    visitor.submit(main_page, f"{main_page}/auto-renew", enabled="on")
    offer = client.get(main_page)
    assert "the add-ons stopped with it do not come back by themselves" in offer.text
    assert f'action="/account/subscriptions/{vpn}/auto-renew"' in offer.text
    assert "Renew this add-on again" in offer.text
    client.post(
        f"/account/subscriptions/{vpn}/auto-renew",
        data={"csrftoken": csrf_of(offer), "enabled": "on"},
    )
    assert "Renew this add-on again" not in client.get(main_page).text
    assert "renews with your plan" in client.get(main_page).text


def test_a_retail_key_subscription_opts_in_to_renewal_with_a_card(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    from subdesk.context import Work
    from subdesk.licensing.retail import generate_batch

    with database.transaction() as session:
        (key,) = generate_batch(Work(session, runtime), "av1-year-usd", 1, "shop")
    visitor = Visitor(client)
    email = visitor.sign_up()
    token = client.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()
    bearer = {"Authorization": f"Bearer {token['access_token']}"}
    sid = client.post("/api/v1/redeem", json={"key": key}, headers=bearer).json()["id"]
    page = client.get("/account/cards")
    client.post(
        "/account/cards",
        data={
            "csrftoken": csrf_of(page),
            "card_number": "4242424242424242",
            "exp_month": "12",
            "exp_year": "2030",
        },
    )
    sub_page = client.get(f"/account/subscriptions/{sid}")
    assert "retail key" in sub_page.text
    card = re.search(r'<option value="([0-9a-f-]{36})"', sub_page.text)
    assert card
    done = client.post(
        f"/account/subscriptions/{sid}/renew-with-card",
        data={"csrftoken": csrf_of(sub_page), "card_id": card.group(1)},
    )
    assert "Active, renews on January 15, 2027" in done.text
