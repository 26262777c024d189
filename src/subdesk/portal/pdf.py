"""An invoice as a PDF (fpdf2): the same facts as its page, on a durable medium."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_currency
from fpdf import FPDF

from subdesk.models import Account, Invoice
from subdesk.money import CURRENCY_EXPONENTS, Money
from subdesk.notifications.formatting import format_day


def _amount(value: Money, locale: str) -> str:
    """With the ISO code rather than a symbol: the PDF's built-in fonts are Latin-1 only."""
    amount = Decimal(value.amount).scaleb(-CURRENCY_EXPONENTS[value.currency])
    return format_currency(amount, value.currency, format="#,##0.00 ¤¤", locale=locale)


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


def invoice_pdf(invoice: Invoice, refunded: int, account: Account, locale: str) -> bytes:
    de = locale == "de"
    amount = Money(invoice.amount_minor, invoice.currency)
    pdf = FPDF(format="A4")
    pdf.set_title(f"{'Rechnung' if de else 'Invoice'} {invoice.number}")
    pdf.set_creator("subdesk")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.cell(
        0, 12, f"{'Rechnung' if de else 'Invoice'} {invoice.number}", new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font("Helvetica", size=11)
    rows = [
        ("Datum" if de else "Date", format_day(invoice.issued_at, locale)),
        ("Kunde" if de else "Customer", account.name or account.email or ""),
        ("Leistung" if de else "Item", invoice.description),
        (
            "Zeitraum" if de else "Period",
            " - ".join(format_day(d, locale) for d in (invoice.period_start, invoice.period_end)),
        ),
        ("Betrag" if de else "Amount", _amount(amount, locale)),
        ("Erstattet" if de else "Refunded", _amount(Money(refunded, invoice.currency), locale)),
        ("Status", ("bezahlt" if de else "paid")),
    ]
    for label, value in rows:
        pdf.set_font("Helvetica", "B", 11)
        pdf.cell(40, 8, label)
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 8, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
