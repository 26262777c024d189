"""Retail product keys: 125 random bits in grouped Crockford base32, a product prefix, and
Crockford's mod-37 check symbol, so a mistyped key is refused before any lookup.

    SHIELD-7K3M9-Q2PXA-0RT4B-HW8NC-5DJEV-U      (prefix, 25 characters in 5 groups, check)

Reading forgives what people do: any case, spaces or dashes, I and L for 1, O for 0.
"""

from __future__ import annotations

import hashlib
import re
import secrets

from subdesk.errors import InvalidRequest

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CHECK_ALPHABET = ALPHABET + "*~$=U"
BITS = 125
GROUPS = 5
_READ_AS = str.maketrans({"I": "1", "L": "1", "O": "0", "-": None, " ": None})


def _check_symbol(value: int) -> str:
    return CHECK_ALPHABET[value % 37]


def _encode(value: int) -> str:
    digits = []
    for _ in range(BITS // 5):
        value, digit = divmod(value, 32)
        digits.append(ALPHABET[digit])
    return "".join(reversed(digits))


def generate(prefix: str) -> str:
    return format_key(prefix, secrets.randbits(BITS))


def format_key(prefix: str, value: int) -> str:
    """The printed key for a 125-bit `value`."""
    body = _encode(value)
    groups = [body[i : i + GROUPS] for i in range(0, len(body), GROUPS)]
    return "-".join([prefix.upper(), *groups, _check_symbol(value)])


def normalise(key: str) -> str:
    """The canonical form of a typed key (prefix and body, no dashes); refused if mistyped."""
    prefix, _, rest = re.sub(r"[\s-]+", "-", key.strip().upper()).partition("-")
    compact = rest.translate(_READ_AS)
    body, check = compact[:-1], compact[-1:]
    if not prefix.isalnum() or len(body) != BITS // 5 or any(c not in ALPHABET for c in body):
        raise InvalidRequest(
            "This is not a product key; check what you typed.", code="invalid_key", field="key"
        )
    value = 0
    for char in body:
        value = value * 32 + ALPHABET.index(char)
    if check != _check_symbol(value):
        raise InvalidRequest(
            "This product key has a typing mistake; check each character.",
            code="invalid_key",
            field="key",
        )
    return f"{prefix}-{body}"


def key_digest(key: str) -> str:
    """Keys are stored only as this digest, like passwords and tokens."""
    return hashlib.sha256(normalise(key).encode()).hexdigest()
