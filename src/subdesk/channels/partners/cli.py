"""`subdesk partners ...`: add service providers and manage their API keys."""

from __future__ import annotations

import typer
from rich.table import Table

from subdesk.operator import as_operator, console

partner_commands = typer.Typer(
    help="Service providers (partners): add them, issue, rotate and revoke their API keys.",
    no_args_is_help=True,
)


@partner_commands.command("add")
def add(
    code: str = typer.Argument(..., help="A short code, e.g. 'fastnet'."),
    name: str = typer.Option(..., "--name", help="The name customers know."),
    status_url: str = typer.Option(
        None, "--status-url", help="Where 'Reactivate the service' asks about a suspension."
    ),
) -> None:
    """Add a partner and print its first API key (shown once)."""
    from subdesk.channels.partners.admin import add_partner

    with as_operator() as work:
        key = add_partner(work, code, name, status_url)
    console.print(f"Partner [bold]{code}[/bold] added. Its API key (shown once):")
    console.print(key, soft_wrap=True)


@partner_commands.command("rotate-key")
def rotate_key(code: str) -> None:
    """Issue a new key; the old ones keep working until you revoke them."""
    from subdesk.channels.partners.admin import partner_by_code
    from subdesk.channels.partners.keys import issue_key

    with as_operator() as work:
        key = issue_key(work, partner_by_code(work, code))
    console.print("New API key (shown once):")
    console.print(key, soft_wrap=True)


@partner_commands.command("revoke-key")
def revoke_key(prefix: str) -> None:
    """Revoke a key by its prefix (the part after 'sdp_')."""
    from subdesk.channels.partners.keys import revoke_key as revoke

    with as_operator() as work:
        revoke(work, prefix)
    console.print(f"Key {prefix} revoked.")


@partner_commands.command("list")
def list_partners() -> None:
    """Every partner with its keys (prefixes only)."""
    from subdesk.channels.partners.admin import partners_with_keys

    table = Table("code", "name", "status address", "keys")
    with as_operator() as work:
        for partner, keys in partners_with_keys(work):
            table.add_row(partner.code, partner.name, partner.status_url or "", ", ".join(keys))
    console.print(table)
