"""A check-in: the device's verdict, a message in the person's language, and an offline token.

This is the hot path (every installed app, many times a day), so a check-in is one
SELECT (the device, its subscription, plan and account, and the device's place among the
seats) and writes nothing, except `last_seen_at` when the stored value is older than
`device_seen_resolution_minutes`: see `mark_seen`.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Dialect, and_, bindparam, func, or_, select, update
from sqlalchemy.orm import aliased

from subdesk.context import Runtime, Work
from subdesk.licensing import tokens
from subdesk.licensing.devices import token_digest
from subdesk.licensing.rules import MESSAGES, Code, DeviceFacts, Verdict, help_path, verdict
from subdesk.models import Account, Device, Plan, Product, Service, Subscription
from subdesk.models.catalog import product_services
from subdesk.notifications.formatting import format_day
from subdesk.subscriptions.rules import Status, entitlement


@dataclass(frozen=True, slots=True)
class CheckIn:
    verdict: Verdict
    message: str
    check_in_due: datetime
    offline_token: str
    article_url: str = ""  # the help center's article on the code, in the person's language
    device_id: uuid.UUID | None = None
    seen_due: bool = False  # the stored last_seen_at is old enough to be written again


_earlier = aliased(Device)
_SEAT_RANK = (
    select(func.count() + 1)
    .where(
        _earlier.subscription_id == Device.subscription_id,
        _earlier.status == "active",
        or_(
            _earlier.activated_at < Device.activated_at,
            and_(_earlier.activated_at == Device.activated_at, _earlier.id < Device.id),
        ),
    )
    .correlate(Device)
    .scalar_subquery()
)

_addon = aliased(Subscription)
_addon_plan = aliased(Plan)
# Statuses in which an add-on may still add its services (a canceled one until access ends).
_ADDON_STATUSES = ["trialing", "active", "past_due", "canceled"]
_ADDONS = (
    # Any add-on of the account, whatever its status (which _entitlements checks): a filter
    # on the status here leads PostgreSQL's planner into the status index.
    select(func.count())
    .select_from(_addon)
    .join(_addon_plan, _addon_plan.id == _addon.plan_id)
    .join(Product, Product.id == _addon_plan.product_id)
    .where(_addon.account_id == Device.account_id, Product.addon.is_(True))
    .correlate(Device)
    .scalar_subquery()
)

_FACTS = (
    select(
        Device.id,
        Device.status,
        Device.last_seen_at,
        Subscription.id,
        Subscription.status,
        Subscription.current_period_end,
        Subscription.access_ends_at,
        Subscription.grace_ends_at,
        Subscription.auto_renew,
        Plan.seats,
        Plan.product_id,
        Account.locale,
        _SEAT_RANK,
        _ADDONS,
        Device.account_id,
    )
    .join(Subscription, Subscription.id == Device.subscription_id)
    .join(Plan, Plan.id == Subscription.plan_id)
    .join(Account, Account.id == Device.account_id)
    .where(Device.token_hash == bindparam("digest"))
)


def check_in(work: Work, device_token: str) -> CheckIn:
    """What the device with this token is told, read in the caller's unit of work."""
    work.session.flush()  # the answer reads what this unit changed, through Core
    return answer_check_in(work.session.connection(), work.runtime, device_token)


@dataclass(frozen=True, slots=True)
class _Prepared:
    """The check-in SELECT compiled once per dialect, run at the driver level (the statement
    cache key, parameter processing and result processing cost more than the query)."""

    sql: str
    positional: tuple[str, ...] | None  # parameter names in order, for "?" drivers
    params: dict[str, object]


@lru_cache(maxsize=4)
def _prepared(dialect: Dialect) -> _Prepared:
    compiled = _FACTS.compile(dialect=dialect)
    params = dict(compiled.construct_params({"digest": ""}, escape_names=False))
    positional = tuple(compiled.positiontup or ()) if compiled.positional else None
    return _Prepared(compiled.string, positional, params)


def _facts_row(conn: Connection, digest: str) -> tuple[Any, ...] | None:
    prepared = _prepared(conn.dialect)
    params = {**prepared.params, "digest": digest}
    bound = tuple(params[n] for n in prepared.positional) if prepared.positional else params
    # The driver's own cursor on the connection SQLAlchemy checked out: setting up a result
    # object costs several times the query itself. One SELECT needs no transaction of its own.
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(prepared.sql, bound)
        found = cursor.fetchone()
    finally:
        cursor.close()
    if found is None:
        return None
    device_id, device_status, last_seen, sub_id, status, period_end, access, grace, *rest = found
    auto_renew, seats, product_id, locale, seat_rank, addons, account_id = rest
    return (
        _uuid(device_id),
        device_status,
        _utc(last_seen),
        _uuid_text(sub_id),  # only ever written into the token: no UUID object needed
        status,
        _utc(period_end),
        _utc(access),
        _utc(grace),
        bool(auto_renew),
        seats,
        product_id,  # as the driver gives it: services_of() converts it once a minute
        locale,
        seat_rank,
        addons,
        account_id,
    )


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(hex=value)


def _uuid_text(value: Any) -> str:
    """The canonical text of a UUID from the driver (SQLite: 32 lowercase hex digits)."""
    if isinstance(value, uuid.UUID):
        return str(value)
    if len(value) == 32:
        return f"{value[:8]}-{value[8:12]}-{value[12:16]}-{value[16:20]}-{value[20:]}"
    return str(uuid.UUID(value))


def _utc(value: Any) -> Any:
    """What UTCDateTime gives back, from what the driver gives (SQLite: naive text)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def answer_check_in(conn: Connection, runtime: Runtime, device_token: str) -> CheckIn:
    """What the device with this token is told; one SELECT on `conn`, no write."""
    return answer_check_in_of(conn, runtime, token_digest(device_token))


def answer_check_in_of(conn: Connection, runtime: Runtime, digest: str) -> CheckIn:
    """`answer_check_in` for the device whose token has this digest (`token_digest`)."""
    now = runtime.clock.now()
    row = _facts_row(conn, digest)
    if row is None:
        return _answer(runtime, now, verdict(None, now), "en", {})
    device_id, device_status, last_seen, sub_id, status, period_end, *rest = row
    access_ends_at, grace_ends_at, auto_renew, seats, product_id, locale, seat_rank, *more = rest
    addons, account_id = more
    active = device_status == "active"
    facts = DeviceFacts(
        removed=not active,
        status=Status(status),
        seats=seats,
        seat_rank=seat_rank,
        period_end=period_end,
        access_ends_at=access_ends_at,
        grace_ends_at=grace_ends_at,
        auto_renew=auto_renew,
    )
    found = verdict(facts, now)
    claims: dict[str, object] = {
        "sub": sub_id,
        "dev": str(device_id),
        "status": status,
        "services": _entitlements(conn, now, product_id, _uuid(account_id) if addons else None)
        if found.protected
        else [],
    }
    seen_due = active and last_seen <= now - _seen_resolution(runtime)
    return _answer(runtime, now, found, locale, claims, device_id, seen_due)


def _entitlements(
    conn: Connection, now: datetime, product_id: Any, addons_of: uuid.UUID | None
) -> list[str]:
    """The services of the device's plan, and of the account's add-ons that still protect."""
    codes = set(services_of(conn, product_id))
    if addons_of is not None:
        rows = conn.execute(
            select(
                Subscription.status,
                Subscription.current_period_end,
                Subscription.access_ends_at,
                Plan.product_id,
            )
            .join(Plan, Plan.id == Subscription.plan_id)
            .join(Product, Product.id == Plan.product_id)
            .where(
                Subscription.account_id == addons_of,
                Subscription.status.in_(_ADDON_STATUSES),
                Product.addon.is_(True),
            )
        )
        for status, period_end, access_ends_at, addon_product in rows:
            if entitlement(Status(status), period_end, access_ends_at, now).protected:
                codes.update(services_of(conn, addon_product))
    return sorted(codes)


def mark_seen(work: Work, device_id: uuid.UUID) -> None:
    """Write `last_seen_at`, unless a parallel check-in already did within the resolution.

    Coalesced rather than buffered in memory: the value only feeds the customer's "last
    seen" and the culling of devices silent for months, so an hour's resolution loses
    nothing, while a buffer would be lost with its process and API processes stay stateless.
    """
    now = work.now
    work.session.execute(
        update(Device)
        .where(
            Device.id == device_id,
            Device.status == "active",
            Device.last_seen_at <= now - _seen_resolution(work.runtime),
        )
        .values(last_seen_at=now)
        .execution_options(synchronize_session=False)
    )


def _seen_resolution(runtime: Runtime) -> timedelta:
    return timedelta(minutes=runtime.settings.device_seen_resolution_minutes)


_SERVICES_TTL = 60.0  # seconds a process trusts what it read of a product's services
_services: dict[Any, tuple[float, tuple[str, ...]]] = {}


def services_of(conn: Connection, product_id: Any) -> tuple[str, ...]:
    """The codes of a product's services (the entitlements), kept a minute per process;
    `product_id` a UUID or the driver's text of one."""
    cached = _services.get(product_id)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    codes = tuple(
        conn.scalars(
            select(Service.code)
            .join(product_services, product_services.c.service_id == Service.id)
            .where(product_services.c.product_id == _uuid(product_id))
            .order_by(Service.code)
        )
    )
    _services[product_id] = (time.monotonic() + _SERVICES_TTL, codes)
    return codes


@lru_cache(maxsize=4096)
def _day(day: date, locale: str) -> str:
    return format_day(datetime(day.year, day.month, day.day, tzinfo=UTC), locale)


def _answer(
    runtime: Runtime,
    now: datetime,
    found: Verdict,
    locale: str,
    claims: dict[str, object],
    device_id: uuid.UUID | None = None,
    seen_due: bool = False,
) -> CheckIn:
    until = _day(found.until.date(), locale) if found.until else ""
    message = MESSAGES.get(locale, MESSAGES["en"])[found.code].format(until=until)
    expires = now + timedelta(days=runtime.settings.offline_token_days)
    if found.until is not None:
        expires = min(expires, found.until)  # offline protection never outlasts the real one
    token = tokens.issue(
        runtime.signer,
        {
            **claims,
            "code": found.code.value,
            "protected": found.protected,
            "iat": now.isoformat(),
            "exp": expires.isoformat(),
        },
    )
    due = now + timedelta(hours=runtime.settings.check_in_hours)
    article = _article_url(runtime.settings.public_url, found.code, locale)
    return CheckIn(found, message, due, token, article, device_id, seen_due)


@lru_cache(maxsize=256)
def _article_url(public_url: str, code: Code, locale: str) -> str:
    return public_url.rstrip("/") + help_path(code, locale)
