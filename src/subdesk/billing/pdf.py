"""Invoices and credit notes as PDF (fpdf2), in English or German: the seller, the customer,
the lines with net, tax rate, tax and gross, the totals and the invoice's status."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency
from fpdf import FPDF
from starlette.responses import Response

from subdesk.billing.invoices import InvoiceView
from subdesk.models import CreditNote, Invoice
from subdesk.money import CURRENCY_EXPONENTS, Money
from subdesk.notifications.formatting import format_day

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "invoice": "Invoice",
        "credit_note": "Credit note",
        "seller": "From",
        "customer": "Bill to",
        "date": "Date",
        "tax_id": "VAT ID",
        "item": "Item",
        "period": "Period",
        "net": "Net",
        "rate": "Tax rate",
        "tax": "Tax",
        "gross": "Total",
        "status": "Status",
        "paid": "paid",
        "partly_refunded": "partly refunded",
        "refunded": "refunded",
        "credit_notes": "Credit notes",
        "for_invoice": "Corrects invoice",
        "reason": "Reason",
        "reverse_charge": "Reverse charge: the customer accounts for the VAT "
        "(Art. 196 Council Directive 2006/112/EC).",
    },
    "de": {
        "invoice": "Rechnung",
        "credit_note": "Rechnungskorrektur",
        "seller": "Rechnungssteller",
        "customer": "Rechnungsempfänger",
        "date": "Datum",
        "tax_id": "USt-IdNr.",
        "item": "Leistung",
        "period": "Leistungszeitraum",
        "net": "Netto",
        "rate": "Steuersatz",
        "tax": "Steuer",
        "gross": "Gesamt",
        "status": "Status",
        "paid": "bezahlt",
        "partly_refunded": "teilweise erstattet",
        "refunded": "erstattet",
        "credit_notes": "Rechnungskorrekturen",
        "for_invoice": "Korrigiert Rechnung",
        "reason": "Grund",
        "reverse_charge": "Steuerschuldnerschaft des Leistungsempfängers "
        "(Reverse Charge, Art. 196 MwStSystRL).",
    },
}


def words_for(locale: str) -> dict[str, str]:
    return WORDS["de" if locale.startswith("de") else "en"]


def amount_text(value: Money, locale: str) -> str:
    """With the ISO code rather than a symbol: the PDF's built-in fonts are Latin-1 only."""
    amount = Decimal(value.amount).scaleb(-CURRENCY_EXPONENTS[value.currency])
    return format_currency(amount, value.currency, format="#,##0.00 ¤¤", locale=locale)


def party_lines(party: dict[str, Any] | None, words: dict[str, str]) -> list[str]:
    party = party or {}
    lines = [party.get("name") or ""]
    lines += list(party.get("address") or [])
    if not party.get("address"):
        lines += [
            " ".join(p for p in (party.get("region"), party.get("country")) if p),
            party.get("email") or "",
        ]
    if party.get("tax_id"):
        lines.append(f"{words['tax_id']}: {party['tax_id']}")
    return [line for line in lines if line]


def _latin1(text: str) -> str:
    return text.encode("latin-1", "replace").decode("latin-1")


class _Document:
    def __init__(self, title: str) -> None:
        self.pdf = FPDF(format="A4")
        self.pdf.set_title(_latin1(title))
        self.pdf.set_creator("subdesk")
        self.pdf.add_page()
        self.pdf.set_font("Helvetica", "B", 18)
        self.pdf.cell(0, 12, _latin1(title), new_x="LMARGIN", new_y="NEXT")

    def parties(self, words: dict[str, str], seller: Any, customer: Any) -> None:
        pdf = self.pdf
        left, right = party_lines(seller, words), party_lines(customer, words)
        pdf.set_font("Helvetica", "B", 10)
        pdf.cell(95, 6, _latin1(words["seller"]))
        pdf.cell(0, 6, _latin1(words["customer"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        for index in range(max(len(left), len(right))):
            pdf.cell(95, 5, _latin1(left[index] if index < len(left) else ""))
            pdf.cell(0, 5, _latin1(right[index] if index < len(right) else ""))
            pdf.ln(5)
        pdf.ln(4)

    def facts(self, rows: Sequence[tuple[str, str]]) -> None:
        for label, value in rows:
            self.pdf.set_font("Helvetica", "B", 10)
            self.pdf.cell(45, 6, _latin1(label))
            self.pdf.set_font("Helvetica", size=10)
            self.pdf.multi_cell(0, 6, _latin1(value), new_x="LMARGIN", new_y="NEXT")
        self.pdf.ln(3)

    def lines(self, words: dict[str, str], rows: Sequence[Sequence[str]]) -> None:
        headings = (words["item"], words["net"], words["rate"], words["tax"], words["gross"])
        with self.pdf.table(
            col_widths=(70, 30, 20, 30, 30), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT")
        ) as table:
            for cells in (headings, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(_latin1(cell))
        self.pdf.ln(3)

    def note(self, text: str) -> None:
        self.pdf.set_font("Helvetica", size=9)
        self.pdf.multi_cell(0, 5, _latin1(text), new_x="LMARGIN", new_y="NEXT")

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def _rate(rate: str) -> str:
    return f"{rate} %"


def invoice_pdf(view: InvoiceView, locale: str) -> bytes:
    invoice: Invoice = view.invoice
    words = words_for(locale)

    def money(amount: int) -> str:
        return amount_text(Money(amount, invoice.currency), locale)

    document = _Document(f"{words['invoice']} {invoice.number}")
    document.parties(words, invoice.seller, invoice.customer)
    period = " - ".join(format_day(d, locale) for d in (invoice.period_start, invoice.period_end))
    facts = [(words["date"], format_day(invoice.issued_at, locale)), (words["period"], period)]
    document.facts(facts)
    line = (
        invoice.description,
        money(invoice.net_minor),
        _rate(invoice.tax_rate),
        money(invoice.tax_minor),
        money(invoice.amount_minor),
    )
    document.lines(words, [line])
    status = [(words["status"], words[view.status])]
    if view.credit_notes:
        numbers = ", ".join(note.number for note in view.credit_notes)
        status.append((words["credit_notes"], numbers))
    document.facts(status)
    if invoice.reverse_charge:
        document.note(words["reverse_charge"])
    return document.output()


def credit_note_pdf(note: CreditNote, invoice: Invoice, locale: str) -> bytes:
    words = words_for(locale)

    def money(amount: int) -> str:
        return amount_text(Money(-amount, note.currency), locale)

    document = _Document(f"{words['credit_note']} {note.number}")
    document.parties(words, note.seller, note.customer)
    document.facts(
        [
            (words["date"], format_day(note.issued_at, locale)),
            (words["for_invoice"], f"{invoice.number} ({format_day(invoice.issued_at, locale)})"),
            (words["reason"], note.reason.replace("_", " ")),
        ]
    )
    line = (
        invoice.description,
        money(note.net_minor),
        _rate(invoice.tax_rate),
        money(note.tax_minor),
        money(note.amount_minor),
    )
    document.lines(words, [line])
    if invoice.reverse_charge:
        document.note(words["reverse_charge"])
    return document.output()


def pdf_response(body: bytes, name: str) -> Response:
    """A document as a download named after its number (the API's and the portal's)."""
    headers = {"Content-Disposition": f'attachment; filename="{name}.pdf"'}
    return Response(body, media_type="application/pdf", headers=headers)
