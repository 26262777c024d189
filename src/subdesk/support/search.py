"""One search box: what a typed query can be (pure), then the indexed lookups for each kind."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

from subdesk.context import Work
from subdesk.errors import InvalidRequest
from subdesk.licensing.keys import key_digest
from subdesk.models import Account
from subdesk.support import repository
from subdesk.support.rules import parse_case_number

_CANCELLATION = re.compile(r"^CXL(-[0-9A-Z]{4}){2,3}$")  # two groups before 2026-11-23
# An invoice (`SD-2026-000123`) or credit note (`SD-CN-2026-000007`) of its gapless series,
# or an invoice numbered before those series (`INV-20261123-7K3M9-Q2PXA`).
_INVOICE = re.compile(r"^(INV-[0-9A-Z-]{4,26}|[A-Z0-9]{1,8}-(CN-)?\d{4}-\d{6,12})$")
_CARD = re.compile(r"^(\d{4})\s*[ ,;]\s*(\d{1,2})\s*/\s*(\d{2}|\d{4})$")
MAX_RESULTS = 20


@dataclass(frozen=True, slots=True)
class Key:
    """One reading of the query: its kind and the normalised value(s) to look up."""

    kind: str  # email | case | cancellation | invoice | card | license_key | name | device
    value: str
    extra: tuple[int, ...] = ()


def keys_of(query: str) -> list[Key]:
    """Every kind of key the query could be; free text is a name or a device name."""
    text = " ".join(query.split())
    upper = text.upper()
    if not text:
        return []
    if "@" in text:
        return [Key("email", text.lower())]
    if (number := parse_case_number(text)) is not None:
        return [Key("case", str(number), (number,))]
    if _CANCELLATION.match(upper):
        return [Key("cancellation", upper)]
    if _INVOICE.match(upper):
        return [Key("invoice", upper)]
    if card := _CARD.match(text):
        year = int(card.group(3))
        return [
            Key("card", card.group(1), (int(card.group(2)), year if year > 99 else 2000 + year))
        ]
    keys = [Key("name", text), Key("device", text)]
    if (digest := _license_digest(text)) is not None:
        keys.insert(0, Key("license_key", digest))
    return keys


def _license_digest(text: str) -> str | None:
    if "-" not in text or len(text) < 20:
        return None
    try:
        return key_digest(text)
    except InvalidRequest:
        return None


@dataclass(frozen=True, slots=True)
class Hit:
    account: Account
    matched_by: str


def find_customers(work: Work, query: str) -> list[Hit]:
    """The customers the query finds, each once, with what matched first."""
    hits: dict[uuid.UUID, Hit] = {}
    for key in keys_of(query):
        for account in _lookup(work, key):
            hits.setdefault(account.id, Hit(account, key.kind))
            if len(hits) >= MAX_RESULTS:
                return list(hits.values())
    return list(hits.values())


def _lookup(work: Work, key: Key) -> list[Account]:
    session = work.session
    match key.kind:
        case "email":
            return repository.accounts_by_email(session, key.value)
        case "case":
            return repository.accounts_by_case(session, key.extra[0])
        case "cancellation":
            return repository.accounts_by_cancellation(session, key.value)
        case "invoice":
            return repository.accounts_by_invoice(session, key.value)
        case "card":
            month, year = key.extra
            return repository.accounts_by_card(session, key.value, month, year, MAX_RESULTS)
        case "license_key":
            return repository.accounts_by_license_key(session, key.value)
        case "name":
            return repository.accounts_by_name(session, _spellings(key.value), MAX_RESULTS)
        case _:
            return repository.accounts_by_device(session, _spellings(key.value), MAX_RESULTS)


def _spellings(text: str) -> list[str]:
    """Prefixes are matched as written and capitalised (an index range scan for each)."""
    return list(dict.fromkeys([text, text.title()]))
