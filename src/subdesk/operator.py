"""The operator at a terminal: the console every `subdesk` command prints to, and one unit of
work done as the operator. The CLI's command groups (`cli.py`, `support/cli.py`,
`trust/cli.py`, `channels/partners/cli.py`) share these without importing one another."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import typer
from rich.console import Console

from subdesk.config import Settings

if TYPE_CHECKING:
    from subdesk.context import Work

console = Console()


@contextmanager
def as_operator() -> Iterator[Work]:
    """One unit of work done by the operator at this terminal; a refusal prints and exits 1."""
    # Imported here: `subdesk --help` and the commands that need no database start fast.
    from subdesk.audit.log import Actor
    from subdesk.context import Work
    from subdesk.db import Database
    from subdesk.errors import SubdeskError
    from subdesk.runtime import build_runtime

    settings = Settings()
    database = Database(settings.database_url)
    try:
        with database.transaction() as session:
            runtime = build_runtime(settings, database=database)
            yield Work(session, runtime, Actor("operator", "cli"))
    except SubdeskError as error:
        console.print(f"[red]{error.message}[/red]")
        raise typer.Exit(1) from None
    finally:
        database.dispose()
