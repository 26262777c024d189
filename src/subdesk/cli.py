"""The `subdesk` command: serve the API, migrate the database, load demo data."""

from __future__ import annotations

import typer
from rich.console import Console

from subdesk.config import Settings

app = typer.Typer(
    help="subdesk, the subscription desk. Configure with SUBDESK_* environment variables "
    "(SUBDESK_DATABASE_URL selects the database; SQLite in ./var by default).",
    no_args_is_help=True,
)
console = Console()
plans = typer.Typer(help="Look at and change the catalog's plans.", no_args_is_help=True)
app.add_typer(plans, name="plans")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic migrations; safe to repeat)."""
    from subdesk import migrate as migrations

    settings = Settings()
    migrations.upgrade(settings.database_url)
    console.print(f"[green]Database is up to date[/green] ({_safe_url(settings.database_url)})")


@app.command()
def demo() -> None:
    """Create the demo catalog (USD and EUR plans) and demo customers; safe to repeat."""
    from subdesk.app import build_runtime
    from subdesk.catalog.demo import DEMO_PASSWORD, seed_catalog, seed_customers
    from subdesk.context import Work
    from subdesk.db import Database

    migrate()
    settings = Settings()
    database = Database(settings.database_url)
    runtime = build_runtime(settings)
    with database.transaction() as session:
        work = Work(session, runtime)
        plans = seed_catalog(work)
        customers = seed_customers(work)
    database.dispose()
    console.print(f"Demo data: {plans} new plans, {customers} new customers.")
    console.print(f"Sign in as alice@example.com with the password [bold]{DEMO_PASSWORD}[/bold].")


@app.command()
def serve(
    host: str = typer.Option(
        None, help="Address to listen on (default SUBDESK_HOST or 127.0.0.1)."
    ),
    port: int = typer.Option(None, help="Port (default SUBDESK_PORT or 8000)."),
    workers: int = typer.Option(1, help="Number of API processes."),
    auto_migrate: bool = typer.Option(True, help="Run migrations before serving."),
) -> None:
    """Serve the JSON API (and its OpenAPI docs at /docs)."""
    import uvicorn

    settings = Settings()
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
        log_level="info",
    )


@app.command()
def worker(
    once: bool = typer.Option(False, "--once", help="Do one pass over what is due, then exit."),
    poll: float = typer.Option(5.0, help="Seconds to wait between passes when idle."),
) -> None:
    """Renew due subscriptions, retry failed charges, end lapsed ones (run as many as you like)."""
    from subdesk.app import build_runtime
    from subdesk.db import Database
    from subdesk.worker.loop import run

    settings = Settings()
    database = Database(settings.database_url)
    outcomes = run(database, build_runtime(settings), once=once, poll_seconds=poll)
    database.dispose()
    console.print(f"Worker done: {dict(outcomes) or 'nothing was due'}")


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
    with database.transaction() as session:
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
    from subdesk.app import build_runtime
    from subdesk.audit.log import Actor
    from subdesk.catalog.pricing import change_renewal_price
    from subdesk.context import Work
    from subdesk.db import Database
    from subdesk.errors import SubdeskError

    settings = Settings()
    database = Database(settings.database_url)
    runtime = build_runtime(settings)
    try:
        with database.transaction() as session:
            change_renewal_price(
                Work(session, runtime, Actor("operator", "cli")), code, price, reason
            )
    except SubdeskError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
    console.print(f"{code} now renews at {price} minor units; subscribers are noticed first.")


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    app()
