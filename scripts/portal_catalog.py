"""Re-extracts the portal's messages and writes the German catalog, keeping translations.

Run after changing portal texts: `.venv/bin/python scripts/portal_catalog.py`; any message
without a German translation is listed and the command exits 1.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

PORTAL = Path(__file__).resolve().parent.parent / "src" / "subdesk" / "portal"
PO = PORTAL / "locale" / "de" / "LC_MESSAGES" / "messages.po"
# Messages looked up from data (periods, channels, store steps), not literal in a _() call.
DYNAMIC = [
    "month",
    "year",
    "bought here",
    "through the App Store",
    "through Google Play",
    "through your service provider",
    "retail key",
    "On your iPhone or iPad, open Settings and tap your name.",
    "Tap Subscriptions, then this subscription.",
    "Tap Cancel Subscription. Apple stops the renewal; protection lasts until the end date.",
    "On your Android device, open the Google Play Store app.",
    "Tap your profile picture, then Payments & subscriptions, then Subscriptions.",
    "Choose this subscription and tap Cancel subscription.",
    "A page or message (paste its text)",
    "A phone number",
    "A web address",
    "An email address",
]


def main() -> int:
    old = read_po(PO.open("rb")) if PO.exists() else Catalog(locale="de")
    catalog = Catalog(
        locale="de",
        project="subdesk",
        version="1",
        copyright_holder="subdesk",
        header_comment="# German messages of the subdesk portal (scripts/portal_catalog.py).",
        last_translator="subdesk",
        language_team="subdesk",
        fuzzy=False,
    )
    methods = [("templates/**.html", "jinja2"), ("**.py", "python")]
    for filename, lineno, message, _comments, _context in extract_from_dir(PORTAL, methods):
        catalog.add(message, locations=[(filename, lineno)])
    for message in DYNAMIC:
        catalog.add(message)
    missing = []
    for message in catalog:
        if not message.id:
            continue
        known = old.get(message.id)
        message.string = known.string if known is not None else ""
        if not message.string:
            missing.append(message.id)
    PO.parent.mkdir(parents=True, exist_ok=True)
    with PO.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, include_lineno=False)
    for message_id in missing:
        print(f"untranslated: {message_id!r}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
