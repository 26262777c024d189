"""The tax of a charge: the billing address (else the account) decides it, the card's country is
kept as evidence, and every decision is recorded."""

from __future__ import annotations

import uuid
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import select

from subdesk.accounts.service import find_by_email
from subdesk.billing.gateway import CardToken
from subdesk.billing.payment_methods import save_card
from subdesk.billing.tax.charge import TaxableCharge, tax_for_charge, taxes_for_charges
from subdesk.billing.tax.rules import TaxBreakdown
from subdesk.context import Runtime, Work
from subdesk.db import Database
from subdesk.models import TaxDecision
from subdesk.money import Money
from tests.factories import Customer, customer

URL = "/api/v1/me/billing-address"
ADDRESS = {"name": "Kim Example", "line1": "Main Street 1", "postal_code": "10557"}


def _account_id(database: Database, who: Customer) -> uuid.UUID:
    with database.transaction() as session:
        account = find_by_email(session, who.email)
        assert account is not None
        return account.id


def _card(database: Database, runtime: Runtime, account_id: uuid.UUID, country: str) -> uuid.UUID:
    """A card whose processor said where it was issued."""
    token = CardToken("tok_test", "visa", "4242", 12, 2030, country)
    with database.transaction() as session:
        return save_card(Work(session, runtime), account_id, token).id


def _charge_tax(
    database: Database,
    runtime: Runtime,
    account_id: uuid.UUID,
    price: Money,
    card: uuid.UUID | None = None,
) -> TaxBreakdown:
    with database.transaction() as session:
        work = Work(session, runtime)
        return tax_for_charge(work, account_id, price, work.now, payment_method_id=card)


def _decision(database: Database, decision_id: uuid.UUID | None) -> TaxDecision:
    with database.transaction() as session:
        row = session.get(TaxDecision, decision_id)
        assert row is not None
        session.expunge(row)
        return row


def _set_address(client: TestClient, who: Customer, **address: str | None) -> None:
    answer = client.put(URL, json={**ADDRESS, **address}, headers=who.headers)
    assert answer.status_code == 200, answer.text


def test_a_german_customer_pays_19_percent_included_and_the_evidence_is_kept(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    kim = customer(client, country="AT", region=None)  # signed up in Austria, billed in Berlin
    _set_address(client, kim, city="Berlin", country="DE", subdivision="BE")
    account_id = _account_id(database, kim)
    card = _card(database, runtime, account_id, "DE")
    taxed = _charge_tax(database, runtime, account_id, Money(1199, "EUR"), card)
    assert (taxed.net, taxed.tax, taxed.gross) == (
        Money(1008, "EUR"),
        Money(191, "EUR"),
        Money(1199, "EUR"),
    )
    assert (taxed.rate, taxed.jurisdiction, taxed.reverse_charge) == (Decimal(19), "DE", False)
    kept = _decision(database, taxed.decision_id)
    assert (kept.basis, kept.address_country, kept.card_country) == ("billing_address", "DE", "DE")
    assert (kept.account_country, kept.jurisdiction, kept.rate) == ("AT", "DE", "19")
    assert (kept.net_minor, kept.tax_minor, kept.gross_minor) == (1008, 191, 1199)
    assert (kept.provider, kept.price_includes_tax) == ("table", True)
    assert "UStG" in kept.source
    assert kept.account_id == account_id


def test_without_a_billing_address_the_accounts_country_and_region_decide(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    california = _account_id(database, customer(client, country="US", region="CA"))
    untaxed = _charge_tax(database, runtime, california, Money(4999, "USD"))
    assert (untaxed.tax, untaxed.gross, untaxed.jurisdiction) == (
        Money(0, "USD"),
        Money(4999, "USD"),
        "US-CA",
    )
    kept = _decision(database, untaxed.decision_id)
    assert (kept.basis, kept.address_country, kept.card_country) == ("account", None, None)
    new_york = _account_id(database, customer(client, country="US", region="NY"))
    taxed = _charge_tax(database, runtime, new_york, Money(4999, "USD"))
    assert (taxed.net, taxed.tax, taxed.gross) == (
        Money(4999, "USD"),
        Money(200, "USD"),
        Money(5199, "USD"),
    )


def test_a_us_customer_in_a_state_without_tax_on_digital_goods_pays_none(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    lee = customer(client, country="US", region="NY")
    _set_address(client, lee, city="Portland", country="US", subdivision="OR")
    taxed = _charge_tax(database, runtime, _account_id(database, lee), Money(4999, "USD"))
    assert (taxed.tax, taxed.gross, taxed.jurisdiction) == (
        Money(0, "USD"),
        Money(4999, "USD"),
        "US-OR",
    )


def test_a_business_with_a_valid_vat_id_in_another_eu_country_gets_reverse_charge(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    firm = customer(client, country="FR", region=None)
    _set_address(client, firm, city="Paris", country="FR", vat_id="FR40303265045")
    account_id = _account_id(database, firm)
    taxed = _charge_tax(database, runtime, account_id, Money(1199, "EUR"))
    assert taxed.reverse_charge is True
    assert taxed.tax == Money(0, "EUR")
    assert taxed.gross == taxed.net == Money(999, "EUR")
    kept = _decision(database, taxed.decision_id)
    assert (kept.reverse_charge, kept.vat_id, kept.rate) == (True, "FR40303265045", "0")


def test_a_card_from_another_country_than_the_address_is_recorded_beside_it(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    kim = customer(client, country="DE", region=None)
    _set_address(client, kim, city="Berlin", country="DE")
    account_id = _account_id(database, kim)
    card = _card(database, runtime, account_id, "US")
    taxed = _charge_tax(database, runtime, account_id, Money(1199, "EUR"), card)
    assert taxed.jurisdiction == "DE"  # the address decides; the card is evidence
    kept = _decision(database, taxed.decision_id)
    assert (kept.address_country, kept.card_country) == ("DE", "US")


def test_a_batch_of_charges_is_taxed_in_its_order(
    client: TestClient, database: Database, runtime: Runtime
) -> None:
    ids = [
        _account_id(database, customer(client, country=country, region=region))
        for country, region in [("DE", None), ("US", "WA"), ("US", "TX")]
    ]
    prices = [Money(1199, "EUR"), Money(1000, "USD"), Money(1000, "USD")]
    with database.transaction() as session:
        work = Work(session, runtime)
        charges = [TaxableCharge(a, p) for a, p in zip(ids, prices, strict=True)]
        taxed = taxes_for_charges(work, charges, work.now)
    assert [t.tax.amount for t in taxed] == [191, 65, 63]  # 19 % in, 6.5 % and 6.25 % on
    with database.transaction() as session:
        assert len(list(session.scalars(select(TaxDecision)))) == 3
