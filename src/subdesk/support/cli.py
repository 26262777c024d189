"""`subdesk staff ...`: enrol console staff (password and TOTP), list them, disable them."""

from __future__ import annotations

import typer
from rich.table import Table

from subdesk.operator import as_operator, console

staff_commands = typer.Typer(
    help="Support console staff: agents, supervisors and admins, with TOTP two-factor sign-in.",
    no_args_is_help=True,
)


@staff_commands.command("add")
def add(
    email: str = typer.Argument(..., help="Their work email; they sign in with it."),
    name: str = typer.Option(..., "--name", help="Their name as customers and colleagues see it."),
    role: str = typer.Option("agent", "--role", help="agent, supervisor or admin."),
    ask_password: bool = typer.Option(
        False, "--ask-password", help="Type their password here instead of a one-time one."
    ),
) -> None:
    """Enrol a staff member; prints the TOTP URI for their authenticator app (shown once)."""
    from subdesk.support.staff import add_staff

    password = None
    if ask_password:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    with as_operator() as work:
        enrolment = add_staff(work, email, name, role, password)
    console.print(f"[green]{enrolment.staff.email}[/green] added as {enrolment.staff.role}.")
    console.print("Add this to their authenticator app (shown once):")
    console.print(enrolment.provisioning_uri, soft_wrap=True, markup=False)
    if enrolment.one_time_password:
        console.print("One-time password, to be changed at the first sign-in (shown once):")
        console.print(enrolment.one_time_password, soft_wrap=True, markup=False)


@staff_commands.command("list")
def list_staff() -> None:
    """Every staff member with role and status (never a secret)."""
    from subdesk.support.staff import list_staff as everyone

    table = Table("email", "name", "role", "status", "since")
    with as_operator() as work:
        for person in everyone(work):
            since = f"{person.created_at:%Y-%m-%d}"
            table.add_row(person.email, person.name, person.role, person.status, since)
    console.print(table)


@staff_commands.command("disable")
def disable(
    email: str = typer.Argument(..., help="The staff member's email."),
    reason: str = typer.Option("disabled by an operator", "--reason", help="Why, for the log."),
) -> None:
    """Stop someone signing in; their open sessions end at once."""
    from subdesk.errors import NotFound
    from subdesk.support.staff import disable as disable_staff
    from subdesk.support.staff import find

    with as_operator() as work:
        person = find(work, email)
        if person is None:
            raise NotFound("No staff member has this email.")
        disable_staff(work, person, reason)
    console.print(f"{email} is disabled.")
