"""The `subdesk` command: serve the API, migrate the database, load demo data."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from subdesk.channels.partners.cli import partner_commands
from subdesk.config import Settings
from subdesk.operator import as_operator, console
from subdesk.support.cli import staff_commands
from subdesk.trust.cli import trust_commands

if TYPE_CHECKING:
    from subdesk.db import Database

app = typer.Typer(
    help="subdesk, the subscription desk. Configure with SUBDESK_* environment variables "
    "(SUBDESK_DATABASE_URL selects the database; SQLite in ./var by default).",
    no_args_is_help=True,
)
plans = typer.Typer(help="Look at and change the catalog's plans.", no_args_is_help=True)
app.add_typer(plans, name="plans")
keys = typer.Typer(help="Make operator API keys and retail product keys.", no_args_is_help=True)
app.add_typer(keys, name="keys")
hooks = typer.Typer(help="Outgoing webhooks: endpoints and deliveries.", no_args_is_help=True)
app.add_typer(hooks, name="webhooks")
clock = typer.Typer(
    help="The sandbox test clock (SUBDESK_SANDBOX_CLOCK=true): move time, watch renewals happen.",
    no_args_is_help=True,
)
app.add_typer(clock, name="clock")
app.add_typer(trust_commands, name="trust")
app.add_typer(partner_commands, name="partners")
app.add_typer(staff_commands, name="staff")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic migrations; safe to repeat)."""
    from subdesk import migrate as migrations

    settings = Settings()
    migrations.upgrade(settings.database_url)
    console.print(f"[green]Database is up to date[/green] ({_safe_url(settings.database_url)})")


@app.command()
def demo() -> None:
    """Create the demo catalog (USD and EUR plans), demo customers and help articles; safe to
    repeat."""
    from subdesk.catalog.demo import DEMO_PASSWORD, seed_catalog, seed_customers
    from subdesk.context import Work
    from subdesk.db import Database
    from subdesk.runtime import build_runtime
    from subdesk.support.help.demo import seed_articles
    from subdesk.trust.demo import seed_official_channels

    migrate()
    settings = Settings()
    database = Database(settings.database_url)
    runtime = build_runtime(settings)
    with database.transaction() as session:
        work = Work(session, runtime)
        plans = seed_catalog(work)
        customers = seed_customers(work)
        channels = seed_official_channels(work)
        articles = seed_articles(work)
    database.dispose()
    console.print(f"Demo data: {plans} new plans, {customers} new customers.")
    console.print(f"Trust check: {channels} new official channels.")
    console.print(f"Help center: {articles} new articles.")
    console.print(f"Sign in as alice@example.com with the password [bold]{DEMO_PASSWORD}[/bold].")


@app.command()
def serve(
    host: str = typer.Option(
        None, help="Address to listen on (default SUBDESK_HOST or 127.0.0.1)."
    ),
    port: int = typer.Option(None, help="Port (default SUBDESK_PORT or 8000)."),
    workers: int = typer.Option(1, help="Number of API processes."),
    auto_migrate: bool = typer.Option(True, help="Run migrations before serving."),
    log_level: str = typer.Option("info", help="debug, info, warning or error."),
) -> None:
    """Serve the JSON API (and its OpenAPI docs at /docs); logs are JSON lines on stderr,
    metrics at /metrics for every process together."""
    import uvicorn

    from subdesk.operations.logging import logging_config
    from subdesk.operations.metrics_dir import shared_metrics_dir

    settings = Settings()
    # Before anything imports prometheus_client, in this process or the workers it starts.
    with shared_metrics_dir():
        if auto_migrate:
            migrate()
        console.print(
            f"subdesk on http://{host or settings.host}:{port or settings.port}  (docs at /docs)"
        )
        uvicorn.run(
            "subdesk.asgi:app",
            host=host or settings.host,
            port=port or settings.port,
            workers=workers,
            log_config=logging_config(log_level.upper()),
            access_log=False,  # each request's JSON line comes from the app, with its id
        )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Do one pass over what is due, then exit."),
    poll: float = typer.Option(5.0, help="Seconds to wait between passes when idle."),
    metrics_port: int = typer.Option(
        None,
        envvar="SUBDESK_WORKER_METRICS_PORT",
        help="Serve this worker's Prometheus metrics (liveness, renewals, charges) on this port.",
    ),
    metrics_host: str = typer.Option(
        "127.0.0.1", envvar="SUBDESK_WORKER_METRICS_HOST", help="Where the metrics listen."
    ),
) -> None:
    """Renew due subscriptions, retry failed charges, end lapsed ones (run as many as you like)."""
    import gc
    import os

    from subdesk.operations import logging as work_log

    work_log.configure()
    # The worker reports on its own port, never into the API's shared directory (which
    # `subdesk serve` empties when it starts).
    os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
    if metrics_port is not None:
        from subdesk.operations.metrics import serve_worker_metrics

        serve_worker_metrics(metrics_host, metrics_port)
    from subdesk.db import Database
    from subdesk.runtime import build_runtime
    from subdesk.worker.loop import run

    settings = Settings()
    database = Database(settings.database_url)
    runtime = build_runtime(settings, database=database)
    # The modules, mappers and runtime live as long as the process: kept out of the garbage
    # collector's full passes, which otherwise walk them again and again as a batch's rows come
    # and go (a quarter of the worker's CPU time in bench/renewals.py).
    gc.freeze()
    outcomes = run(database, runtime, once=once, poll_seconds=poll)
    database.dispose()
    console.print(f"Worker done: {dict(outcomes) or 'nothing was due'}")


def _knob(default: float, env: str, text: str) -> Any:
    return typer.Option(default, envvar=f"SUBDESK_PROCESSOR_{env}", help=text)


@app.command("sandbox-processor")
def sandbox_processor(
    host: str = typer.Option("127.0.0.1", help="Address to listen on (keep it on loopback)."),
    port: int = typer.Option(12111, help="Port."),
    latency_ms: float = _knob(0.0, "LATENCY_MS", "Added to every API request."),
    jitter_ms: float = _knob(0.0, "JITTER_MS", "Latency varies by up to this either way."),
    rate_limit: float = _knob(0.0, "RATE_LIMIT", "Requests per second; beyond it 429 (0: none)."),
    timeout_after_charge: float = _knob(
        0.0, "TIMEOUT_AFTER_CHARGE", "Share (0..1) of captures whose answer is withheld."
    ),
    withhold_seconds: float = _knob(30.0, "WITHHOLD_SECONDS", "How long such an answer waits."),
    error_500: float = _knob(0.0, "ERROR_500", "Share (0..1) of requests answered 500 at once."),
    forget_keys_after: float = _knob(
        86400.0, "FORGET_KEYS_AFTER", "Seconds after which idempotency keys are forgotten."
    ),
    seed: int = typer.Option(None, envvar="SUBDESK_PROCESSOR_SEED", help="Seed for the dice."),
) -> None:
    """Serve the sandbox card processor: Stripe's API (the part subdesk uses) on loopback, with
    test cards and knobs for latency, rate limits and failures. Point SUBDESK_STRIPE_API_BASE
    at it with SUBDESK_GATEWAY=stripe and any sk_test_ key."""
    import uvicorn

    from subdesk.billing.processor.app import create_processor_app
    from subdesk.billing.processor.faults import Faults, updated

    knobs = dict(
        latency_ms=latency_ms,
        jitter_ms=jitter_ms,
        rate_limit=rate_limit,
        timeout_after_charge=timeout_after_charge,
        withhold_seconds=withhold_seconds,
        error_500=error_500,
        forget_keys_after=forget_keys_after,
        seed=seed,
    )
    try:
        faults = updated(Faults(), knobs)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Sandbox processor on http://{host}:{port}  (control API at /_sandbox)")
    uvicorn.run(create_processor_app(faults), host=host, port=port, log_level="warning")


@plans.command("list")
def list_plans() -> None:
    """Every plan with its code, prices and terms version."""
    from rich.table import Table

    from subdesk.catalog.service import list_offers
    from subdesk.db import Database
    from subdesk.money import Money

    settings = Settings()
    database = Database(settings.database_url)
    table = Table("code", "name", "period", "seats", "intro", "renewal", "terms")
    with database.reading() as session:
        for offer in list_offers(session):
            plan = offer.plan
            intro = plan.intro_price_minor
            table.add_row(
                plan.code,
                plan.name,
                plan.period,
                str(plan.seats),
                str(Money(intro, plan.currency)) if intro is not None else "-",
                str(Money(plan.renewal_price_minor, plan.currency)),
                f"v{offer.disclosure.version}",
            )
    database.dispose()
    console.print(table)


@plans.command("set-price")
def set_price(
    code: str = typer.Argument(..., help="The plan's code, e.g. av1-year-usd."),
    price: int = typer.Argument(..., help="The new renewal price in minor units (cents)."),
    reason: str = typer.Option(..., "--reason", help="Why the price changes (audited)."),
) -> None:
    """Change a plan's renewal price: new terms for buyers; subscribers get a notice first."""
    from subdesk.catalog.pricing import change_renewal_price

    with as_operator() as work:
        change_renewal_price(work, code, price, reason)
    console.print(f"{code} now renews at {price} minor units; subscribers are noticed first.")


@keys.command("operator")
def operator_key() -> None:
    """Make an operator API key for /api/v1/admin; only its SHA-256 goes in the configuration."""
    import hashlib
    import secrets

    key = "sdop_" + secrets.token_urlsafe(32)
    console.print(f"Operator key (store it now, it is not kept): [bold]{key}[/bold]")
    console.print(
        f"Configure: SUBDESK_OPERATOR_KEY_SHA256={hashlib.sha256(key.encode()).hexdigest()}"
    )


@keys.command("generate")
def generate_keys(
    plan: str = typer.Option(..., "--plan", help="The plan's code, e.g. total5-year-usd."),
    count: int = typer.Option(..., "--count", help="How many keys (at most 100,000)."),
    out: str = typer.Option(..., "--out", help="The CSV file to write for the retailer."),
    batch: str = typer.Option(None, "--batch", help="A name for the batch (default: the time)."),
) -> None:
    """Make a batch of retail product keys; they are written once to the CSV, kept only hashed."""
    import csv
    from datetime import UTC, datetime
    from pathlib import Path

    from subdesk.licensing.retail import generate_batch

    name = batch or datetime.now(UTC).strftime("batch-%Y%m%d-%H%M%S")
    target = Path(out)
    if target.exists():
        console.print(f"[red]{out} exists; keys are never written over.[/red]")
        raise typer.Exit(1)
    # The file is complete before the keys count, and gets its name only once they do.
    partial = target.with_name(f".{target.name}.partial")
    try:
        with as_operator() as work:
            made = generate_batch(work, plan, count, name)
            with partial.open("w", newline="") as handle:
                writer = csv.writer(handle)
                writer.writerow(["key", "plan", "batch"])
                writer.writerows([key, plan, name] for key in made)
        partial.rename(target)
    finally:
        partial.unlink(missing_ok=True)
    console.print(f"{count} keys for {plan} written to {out} (batch {name}).")


@hooks.command("add")
def add_webhook(
    url: str = typer.Argument(..., help="Where to POST events."),
    event: Annotated[
        list[str] | None,
        typer.Option("--event", help="An event type to send (repeat); every event if none."),
    ] = None,
) -> None:
    """Register an endpoint and print its signing secret (shown once)."""
    from subdesk.notifications.webhooks import add_endpoint

    with as_operator() as work:
        endpoint, secret = add_endpoint(work, url, event or ["*"])
    console.print(f"Endpoint {endpoint.id}; signing secret (store it now): [bold]{secret}[/bold]")


@hooks.command("deliveries")
def list_deliveries(status: str = typer.Option(None, help="pending, delivered or failed")) -> None:
    """The latest deliveries with their status and last error."""
    from rich.table import Table
    from sqlalchemy import select

    from subdesk.db import Database
    from subdesk.models import WebhookDelivery

    settings = Settings()
    database = Database(settings.database_url)
    table = Table("id", "event", "status", "attempts", "last")
    with database.reading() as session:
        query = select(WebhookDelivery).order_by(WebhookDelivery.created_at.desc()).limit(50)
        if status:
            query = query.where(WebhookDelivery.status == status)
        for row in session.scalars(query):
            last = row.last_error or (str(row.last_status_code) if row.last_status_code else "")
            table.add_row(str(row.id), row.event_type, row.status, str(row.attempts), last)
    database.dispose()
    console.print(table)


@hooks.command("redeliver")
def redeliver_webhook(delivery_id: str = typer.Argument(..., help="The delivery's id.")) -> None:
    """Send a delivery again at the next worker pass."""
    import uuid

    from subdesk.notifications.webhooks import redeliver

    try:
        found = uuid.UUID(delivery_id)
    except ValueError:
        console.print("[red]That is not a delivery id.[/red]")
        raise typer.Exit(1) from None
    with as_operator() as work:
        redeliver(work, found)
    console.print("Queued for redelivery.")


def _sandbox_database() -> Database:
    from subdesk.db import Database

    settings = Settings()
    if not settings.sandbox_clock:
        console.print(
            "[red]The test clock is for the sandbox: set SUBDESK_SANDBOX_CLOCK=true.[/red]"
        )
        raise typer.Exit(1)
    return Database(settings.database_url)


@clock.command("show")
def clock_show() -> None:
    """The sandbox's time and how far it runs ahead of the wall clock."""
    from subdesk.sandbox_clock import SandboxClock, read_offset

    database = _sandbox_database()
    now = SandboxClock(database).now()
    console.print(f"Sandbox time {now:%Y-%m-%d %H:%M} UTC, ahead by {read_offset(database)}")
    database.dispose()


@clock.command("advance")
def clock_advance(by: str = typer.Argument(..., help="How far: 30d, 12h, 90m or 2w.")) -> None:
    """Move the sandbox forward; the next worker pass renews, reminds and retries what fell due."""
    from subdesk.audit.log import Actor
    from subdesk.errors import SubdeskError
    from subdesk.sandbox_clock import SandboxClock, advance, parse_duration

    database = _sandbox_database()
    try:
        advance(database, parse_duration(by), Actor("operator", "cli"))
    except SubdeskError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    console.print(f"Sandbox time is now {SandboxClock(database).now():%Y-%m-%d %H:%M} UTC")
    database.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
