"""Renders an email from its template: subject and text from one file, HTML from the text."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).parent / "templates"
LOCALES = ("en", "de")
TEMPLATE_NAMES = (
    "purchase_ack",
    "receipt",
    "payment_failed",
    "cancellation",
    "refund",
    "duplicate_purchase",
    "renewal_reminder",
    "trial_ending",
    "price_change",
    "yearly_notice",
    "declaration",
    "password_reset",
    "invitation",
    "case_reply",
    "welcome",
    "sign_up_attempt",
)

# Plain-text templates; the HTML made from them is escaped in _html.
_env = Environment(
    loader=FileSystemLoader(TEMPLATES),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
    autoescape=False,  # noqa: S701
)


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def render(template: str, locale: str, context: dict[str, Any]) -> RenderedEmail:
    """Render `template` in `locale` (default English); every email ends with the cancel link."""
    locale = locale if locale in LOCALES else "en"
    source = _env.get_template(f"{locale}/{template}.j2").render(context)
    first, _, body = source.partition("\n")
    subject = first.removeprefix("Subject:").strip()
    footer = _env.get_template(f"{locale}/footer.j2").render(context)
    text = f"{body.strip()}\n\n--\n{footer.strip()}\n"
    return RenderedEmail(subject, text, _html(subject, body.strip(), footer.strip(), locale))


def _html(subject: str, body: str, footer: str, locale: str) -> str:
    paragraphs = "".join(
        f"<p>{Markup('<br>').join(escape(line) for line in block.splitlines())}</p>"
        for block in body.split("\n\n")
    )
    footer_html = Markup("<br>").join(escape(line) for line in footer.splitlines())
    return (
        f'<!doctype html><html lang="{locale}"><head><meta charset="utf-8">'
        f"<title>{escape(subject)}</title></head>"
        '<body style="font-family:system-ui,sans-serif;line-height:1.5;max-width:40em">'
        f'{paragraphs}<hr><p style="font-size:90%">{footer_html}</p></body></html>'
    )
