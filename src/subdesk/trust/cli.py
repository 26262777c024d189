"""`subdesk trust ...`: the trust team's commands for the official channels, reported numbers
and known scams, and a check from the terminal."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from subdesk.operator import as_operator, console

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from subdesk.context import Work

trust_commands = typer.Typer(
    help="The trust check: official channels, reported numbers, known scams.",
    no_args_is_help=True,
)
REASON = typer.Option(..., "--reason", help="Why (audited).")


@contextmanager
def _operator() -> Iterator[Work]:

    with as_operator() as work:
        yield work


@contextmanager
def _reading() -> Iterator[Session]:
    from subdesk.config import Settings
    from subdesk.db import Database

    database = Database(Settings().database_url)
    try:
        with database.reading() as session:
            yield session
    finally:
        database.dispose()


def _say(text: str) -> None:

    console.print(text)


@trust_commands.command("add-phone")
def add_phone(
    number: str = typer.Argument(..., help="The number with its country code: +1 800 555 0199."),
    purpose: str = typer.Option(..., "--purpose", help="What it is for: customer support."),
    hours: str = typer.Option("", "--hours", help="When it answers: Mon-Fri 8:00-20:00 ET."),
    reason: str = typer.Option(None, "--reason", help="Why (audited)."),
) -> None:
    """Register an official phone number."""
    from subdesk.trust import registry

    with _operator() as work:
        phone = registry.add_phone(work, number, purpose, hours, reason)
        said = f"{phone.e164} ({phone.country}, toll-free: {phone.toll_free}) is official now."
    _say(said)


@trust_commands.command("add-domain")
def add_domain(
    domain: str = typer.Argument(..., help="A web domain; its subdomains count too."),
    reason: str = typer.Option(None, "--reason", help="Why (audited)."),
) -> None:
    """Register an official web domain."""
    _add_domain("web", domain, reason)


@trust_commands.command("add-email-domain")
def add_email_domain(
    domain: str = typer.Argument(..., help="A domain our email comes from."),
    reason: str = typer.Option(None, "--reason", help="Why (audited)."),
) -> None:
    """Register an official email sender domain."""
    _add_domain("email", domain, reason)


def _add_domain(kind: str, domain: str, reason: str | None) -> None:
    from subdesk.trust import registry

    with _operator() as work:
        name = registry.add_domain(work, kind, domain, reason).domain
    _say(f"{name} is an official {kind} domain now.")


@trust_commands.command("remove")
def remove(
    kind: str = typer.Argument(..., help="phone, web or email"),
    value: str = typer.Argument(..., help="The number or the domain."),
    reason: str = REASON,
) -> None:
    """Remove an official number or domain."""
    from subdesk.trust import registry

    with _operator() as work:
        if kind == "phone":
            registry.remove_phone(work, value, reason)
        else:
            registry.remove_domain(work, kind, value, reason)
    _say(f"{value} is no longer an official {kind}.")


@trust_commands.command("list")
def list_channels() -> None:
    """Every official number and domain."""
    from rich.table import Table

    from subdesk.trust.registry import channels

    table = Table("kind", "value", "country", "toll-free", "purpose", "hours")
    with _reading() as session:
        found = channels(session)
        for phone in found.phones:
            table.add_row(
                "phone",
                phone.e164,
                phone.country or "",
                str(phone.toll_free),
                phone.purpose,
                phone.hours,
            )
    for domain in found.web_domains:
        table.add_row("web", domain, "", "", "", "")
    for domain in found.email_domains:
        table.add_row("email", domain, "", "", "", "")
    _say_table(table)


@trust_commands.command("reports")
def reported(limit: int = typer.Option(50, help="How many numbers to show.")) -> None:
    """Reported numbers, the most often seen first."""
    from rich.table import Table

    from subdesk.trust.reports import reported_numbers

    table = Table("number", "country", "toll-free", "reports", "seen", "last", "known scam")
    with _reading() as session:
        for n in reported_numbers(session, limit):
            table.add_row(
                n.e164,
                n.country or "",
                str(n.toll_free),
                str(n.reports),
                str(n.occurrences),
                f"{n.last_reported_at:%Y-%m-%d %H:%M}",
                "yes" if n.known_scam else "",
            )
    _say_table(table)


@trust_commands.command("mark-scam")
def mark_scam(number: str = typer.Argument(...), reason: str = REASON) -> None:
    """Mark a number as a known scam: every later check of it says likely_scam."""
    from subdesk.trust.reports import mark_scam as mark

    with _operator() as work:
        e164 = mark(work, number, reason).e164
    _say(f"{e164} is marked as a known scam.")


@trust_commands.command("unmark-scam")
def unmark_scam(number: str = typer.Argument(...), reason: str = REASON) -> None:
    """Take the known-scam mark off a number."""
    from subdesk.trust.reports import unmark_scam as unmark

    with _operator() as work:
        unmark(work, number, reason)
    _say(f"{number} is no longer marked as a scam.")


@trust_commands.command("check")
def check(
    value: str = typer.Argument(None, help="A phone number, link, address or text."),
    kind: str = typer.Option("text", "--as", help="text, phone, url or email"),
    file: str = typer.Option(None, "--file", help="Check this file (text or HTML) instead."),
) -> None:
    """Check something as the public API would, and print the verdict and the reasons."""
    from subdesk.trust.service import Kind
    from subdesk.trust.service import check as run_check

    text = Path(file).read_text(encoding="utf-8") if file else value or ""
    with _operator() as work:
        result = run_check(work, Kind(kind), text)
    _say(f"[bold]{result.verdict.value}[/bold] (score {result.score})")
    for reason in result.reasons:
        _say(f"- {reason.explanation} {reason.advice}")


def _say_table(table: object) -> None:

    console.print(table)
