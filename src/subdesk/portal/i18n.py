"""The portal's languages: English by default, German from the Babel catalog beside this file."""

from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("en", "de")
CATALOGS = Path(__file__).parent / "locale"


@cache
def translations(locale: str) -> gettext.NullTranslations:
    """The compiled catalog of `locale` (compiled in memory from its .po file, once)."""
    path = CATALOGS / locale / "LC_MESSAGES" / "messages.po"
    if locale == "en" or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled)


def pick_locale(accept_language: str | None, preferred: str | None = None) -> str:
    """The account's language if known, else the browser's first supported one, else English."""
    if preferred in LOCALES:
        return preferred
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LOCALES:
            return code
    return "en"
