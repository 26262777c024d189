"""Invoices and credit notes as legal documents: who issues them, how they are numbered, and
how a refund's tax is taken back.

Numbers run without gaps in a series per issuer and year: `SD-2026-000001` for invoices,
`SD-CN-2026-000001` for credit notes. A number is taken by one UPDATE of the series' row in
the transaction that issues the document, so a transaction that rolls back gives its number
back, and concurrent issuers wait for each other's commit rather than skip or repeat one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from sqlalchemy import Table, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from subdesk.config import Settings
from subdesk.db import before_commit, transaction_state
from subdesk.models import DocumentSeries

Kind = Literal["invoice", "credit_note"]
Status = Literal["paid", "partly_refunded", "refunded"]

_SERIES: Table = DocumentSeries.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Seller:
    """The issuer, as printed on every document and kept with it."""

    name: str
    address: tuple[str, ...]
    tax_id: str
    country: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": list(self.address),
            "tax_id": self.tax_id,
            "country": self.country,
        }


def seller_of(settings: Settings) -> Seller:
    lines = tuple(line.strip() for line in settings.seller_address.split("|") if line.strip())
    return Seller(settings.seller_name, lines, settings.seller_tax_id, settings.seller_country)


def series_for(kind: Kind, settings: Settings, issued_at: datetime) -> str:
    """The series a document issued at `issued_at` is numbered in: one per kind, issuer and
    calendar year where the seller is."""
    year = issued_at.astimezone(ZoneInfo(settings.seller_timezone)).year
    middle = "" if kind == "invoice" else "CN-"
    return f"{settings.document_prefix}-{middle}{year}"


def number_in(series: str, sequence: int) -> str:
    return f"{series}-{sequence:06d}"


def take_number(session: Session, series: str) -> int:
    """The next number of `series`, held by this transaction until it ends.

    The first number a transaction takes locks the series' row (one UPDATE); the next ones
    are counted here under that lock, with no statement each, and the last is written back
    just before the commit. So a batch of renewals still writes its rows in bulk."""
    taken: dict[str, int] = transaction_state(session, _COUNTERS)
    if series in taken:
        taken[series] += 1
        return taken[series]
    statement = (
        update(_SERIES)
        .where(_SERIES.c.series == series)
        .values(last_number=_SERIES.c.last_number + 1)
        .returning(_SERIES.c.last_number)
    )
    number = session.execute(statement).scalar()
    if number is None:  # the series' first document: start it (a parallel start does nothing)
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        start = insert(_SERIES).values(series=series, last_number=0).on_conflict_do_nothing()
        session.execute(start)
        number = session.execute(statement).scalar_one()
    taken[series] = int(number)
    before_commit(session, _COUNTERS, _write_back)
    return taken[series]


def _write_back(session: Session) -> None:
    """The last number each series gave in this transaction, on its row (still locked)."""
    for series, last in transaction_state(session, _COUNTERS).items():
        session.execute(update(_SERIES).where(_SERIES.c.series == series).values(last_number=last))


_COUNTERS = "document_counters"


def share_of_tax(gross: int, tax: int, part: int) -> int:
    """The tax in `part` of a document of `gross` carrying `tax`, rounded half up."""
    if gross <= 0:
        return 0
    return (2 * part * tax + gross) // (2 * gross)


def credited_tax(gross: int, tax: int, credited_before: int, amount: int) -> int:
    """The tax a credit of `amount` takes back, given what earlier credits took: the credits
    of a whole invoice add up to exactly its tax, however it was refunded in parts."""
    return share_of_tax(gross, tax, credited_before + amount) - share_of_tax(
        gross, tax, credited_before
    )


def status_of(amount: int, credited: int) -> Status:
    """What an invoice shows: paid, partly refunded, or refunded (credit notes for all of it)."""
    if credited <= 0:
        return "paid"
    return "refunded" if credited >= amount else "partly_refunded"
