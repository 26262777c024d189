"""Rows appended in bulk: one COPY per table on PostgreSQL, one executemany INSERT elsewhere.

psycopg runs an executemany INSERT as one statement per row (pipelined); the
renewal run appends six rows a subscription, so that was most of its time.
COPY streams them in one command. Values go through the columns' own bind
processors first (aware UTC datetimes, JSON), exactly as an INSERT would send them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert


def insert_rows(connection: Connection, model: type[Any], rows: Sequence[dict[str, Any]]) -> None:
    table: Table = model.__table__
    if connection.dialect.name == "postgresql" and _copyable(table, rows):
        _copy(connection, table, rows)
    else:
        connection.execute(insert(model), list(rows))


def _copyable(table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    """COPY applies no Python-side defaults: every row names the same columns, and every
    column with such a default among them."""
    names = rows[0].keys()
    return (
        all(name in table.c for name in names)
        and all(column.default is None or column.name in names for column in table.c)
        and all(row.keys() == names for row in rows)
    )


def _copy(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    dialect = connection.dialect
    names = list(rows[0])
    processors: list[Callable[[Any], Any] | None] = [
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in names
    ]
    quote = dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    command = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"
    driver = connection.connection.driver_connection
    assert driver is not None  # noqa: S101 - a live connection in a transaction
    with driver.cursor() as cursor, cursor.copy(command) as copy:
        for row in rows:
            copy.write_row(
                [
                    value if process is None else process(value)
                    for process, value in zip(processors, row.values(), strict=True)
                ]
            )
