"""The demo catalog and demo customers created by `subdesk demo` (idempotent)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from subdesk.accounts import service as accounts
from subdesk.audit.log import Actor
from subdesk.billing import payment_methods
from subdesk.catalog.disclosures import disclosure_text
from subdesk.catalog.service import current_disclosure
from subdesk.context import Work
from subdesk.models import Disclosure, Plan, Product, Service
from subdesk.money import Money
from subdesk.subscriptions import purchase

SERVICES = {
    "antivirus": "Antivirus",
    "vpn": "Secure VPN",
    "cloud_backup": "Cloud Backup",
    "identity_monitoring": "Identity Monitoring",
}

PRODUCTS = {
    "antivirus": ("Shield Antivirus", ["antivirus"]),
    "suite3": ("Shield Suite", ["antivirus", "vpn"]),
    "total5": ("Shield Total", list(SERVICES)),
    "vpn_addon": ("Secure VPN add-on", ["vpn"]),
    "backup_addon": ("Cloud Backup add-on", ["cloud_backup"]),
}
ADDONS = frozenset({"vpn_addon", "backup_addon"})


@dataclass(frozen=True)
class DemoPlan:
    code: str
    product: str
    name: str
    period: str
    seats: int
    intro: int | None
    renewal: int
    currency: str
    trial_days: int = 0


PLANS = [
    DemoPlan(
        "av1-month-usd",
        "antivirus",
        "Shield Antivirus, 1 device, monthly",
        "month",
        1,
        None,
        499,
        "USD",
    ),
    DemoPlan(
        "av1-year-usd",
        "antivirus",
        "Shield Antivirus, 1 device, yearly",
        "year",
        1,
        2999,
        4999,
        "USD",
    ),
    DemoPlan(
        "av1-year-eur",
        "antivirus",
        "Shield Antivirus, 1 Gerät, jährlich",
        "year",
        1,
        2999,
        4999,
        "EUR",
    ),
    DemoPlan(
        "suite3-year-usd", "suite3", "Shield Suite, 3 devices, yearly", "year", 3, 4999, 8999, "USD"
    ),
    DemoPlan(
        "suite3-year-eur",
        "suite3",
        "Shield Suite, 3 Geräte, jährlich",
        "year",
        3,
        4999,
        8999,
        "EUR",
    ),
    DemoPlan(
        "total5-year-usd",
        "total5",
        "Shield Total, 5 devices, yearly",
        "year",
        5,
        7999,
        14999,
        "USD",
    ),
    DemoPlan(
        "total5-month-usd",
        "total5",
        "Shield Total, 5 devices, monthly",
        "month",
        5,
        None,
        1499,
        "USD",
        30,
    ),
    DemoPlan(
        "total5-year-eur",
        "total5",
        "Shield Total, 5 Geräte, jährlich",
        "year",
        5,
        7999,
        14999,
        "EUR",
    ),
    # Add-ons hold no seats: they add their service to the devices of the main subscription.
    DemoPlan(
        "vpn-addon-year-usd", "vpn_addon", "Secure VPN add-on, yearly", "year", 0, None, 2999, "USD"
    ),
    DemoPlan(
        "vpn-addon-year-eur",
        "vpn_addon",
        "Secure VPN add-on, jährlich",
        "year",
        0,
        None,
        2999,
        "EUR",
    ),
    DemoPlan(
        "backup-addon-year-usd",
        "backup_addon",
        "Cloud Backup add-on, yearly",
        "year",
        0,
        None,
        1999,
        "USD",
    ),
]

GUARANTEE_DAYS = {"year": 60, "month": 14}

CUSTOMERS = [
    ("alice@example.com", "Alice Example", "US", "CA", "en", "av1-year-usd"),
    ("bruno@example.com", "Bruno Beispiel", "DE", None, "de", "total5-year-eur"),
    ("carol@example.com", "Carol Example", "US", "NY", "en", "total5-month-usd"),
]
DEMO_PASSWORD = "subdesk-demo"  # noqa: S105 - a published demo credential, not a secret


def seed_catalog(work: Work) -> int:
    """Create the missing demo services, products, plans and disclosures; count new plans."""
    session = work.session
    services = {s.code: s for s in session.scalars(select(Service))}
    for code, name in SERVICES.items():
        if code not in services:
            services[code] = Service(code=code, name=name)
            session.add(services[code])
    products = {p.code: p for p in session.scalars(select(Product))}
    for code, (name, service_codes) in PRODUCTS.items():
        if code not in products:
            products[code] = Product(
                code=code,
                name=name,
                addon=code in ADDONS,
                services=[services[c] for c in service_codes],
            )
            session.add(products[code])
    session.flush()
    existing = set(session.scalars(select(Plan.code)))
    created = 0
    for spec in PLANS:
        if spec.code not in existing:
            _add_plan(work, spec, products[spec.product])
            created += 1
    return created


def _add_plan(work: Work, spec: DemoPlan, product: Product) -> None:
    plan = Plan(
        code=spec.code,
        product_id=product.id,
        name=spec.name,
        period=spec.period,
        seats=spec.seats,
        trial_days=spec.trial_days,
        intro_price_minor=spec.intro,
        renewal_price_minor=spec.renewal,
        currency=spec.currency,
        guarantee_days=GUARANTEE_DAYS[spec.period],
        created_at=work.now,
    )
    work.session.add(plan)
    work.session.flush()
    text = disclosure_text(
        plan_name=spec.name,
        period=spec.period,
        trial_days=spec.trial_days,
        intro_price=Money(spec.intro, spec.currency) if spec.intro is not None else None,
        renewal_price=Money(spec.renewal, spec.currency),
        guarantee_days=GUARANTEE_DAYS[spec.period],
    )
    work.session.add(Disclosure(plan_id=plan.id, version=1, text=text, published_at=work.now))


def seed_customers(work: Work) -> int:
    """Create demo customers with a test card and a subscription each; count new ones."""
    created = 0
    for email, name, country, region, locale, plan_code in CUSTOMERS:
        if accounts.find_by_email(work.session, email) is not None:
            continue
        account = accounts.sign_up(
            work,
            email=email,
            password=DEMO_PASSWORD,
            name=name,
            country=country,
            region=region,
            locale=locale,
        )
        if account is None:  # made by a parallel run since the look-up
            continue
        as_customer = Work(work.session, work.runtime, Actor.customer(account.id))
        card = payment_methods.add_card(
            as_customer,
            account.id,
            number="4242424242424242",
            exp_month=12,
            exp_year=work.now.year + 3,
            cvc="123",
        )
        plan = work.session.scalars(select(Plan).where(Plan.code == plan_code)).one()
        order = purchase.Purchase(
            plan_id=plan.id,
            payment_method_id=card.id,
            auto_renew_consent=True,
            disclosure_version=current_disclosure(work.session, plan.id).version,
            idempotency_key=f"demo:{email}",
        )
        purchase.subscribe(as_customer, account.id, order)
        created += 1
    return created
