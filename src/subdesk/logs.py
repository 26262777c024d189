"""Log hygiene: secrets (tokens, keys, passwords, card numbers) never reach a log line."""

from __future__ import annotations

import logging
import re
from typing import Any

# `token=...`, `password: "..."`, `"api_key": "..."`: a secret named as one, in a URL or a dump.
_SECRET_PARAMETER = re.compile(
    r"(?i)\b((?:access_|refresh_|reset_|api_|signing_)?(?:token|key|password|secret)"
    r"[\"']?\s*[=:]\s*[\"']?)[^&\s\"',}]+"
)
# `Authorization: Bearer <credentials>` and the like.
_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]+")
# Keys and tokens subdesk and its processor hand out, by their prefixes.
_PREFIXED = re.compile(r"\b(sdop|sdd|sdp|sk_live|sk_test|rk_live|rk_test|whsec)_[A-Za-z0-9_-]+")
# A long run of URL-safe characters is a random token (token_urlsafe(32) is 43 of them);
# UUIDs (36) and shorter ids stay readable.
_RANDOM = re.compile(r"(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{40,}(?![A-Za-z0-9_-])")
# 13 to 19 digits, perhaps grouped by spaces or dashes: a card number if the Luhn sum says so.
_DIGITS = re.compile(r"(?<!\d)\d(?:[ -]?\d){12,18}(?!\d)")
# Fields whose whole value is secret, whatever it looks like.
SECRET_FIELDS = frozenset(
    {"password", "token", "secret", "authorization", "api_key", "card_number", "number", "cvc"}
)
REDACTED = "[redacted]"


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char) * (2 if index % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return REDACTED if _luhn(digits) else match.group(0)


def redact(text: str) -> str:
    """`text` with every secret it carries replaced by [redacted]."""
    text = _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}{REDACTED}", text)
    text = _BEARER.sub(lambda match: f"{match.group(1)} {REDACTED}", text)
    text = _PREFIXED.sub(lambda match: f"{match.group(1)}_{REDACTED}", text)
    text = _RANDOM.sub(REDACTED, text)
    return _DIGITS.sub(_card, text)


def redact_value(name: str, value: Any) -> Any:
    """A log field's value made safe: secret by its name, or by what its text carries."""
    if name.lower() in SECRET_FIELDS:
        return REDACTED
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {str(k): redact_value(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(name, v) for v in value]
    return value


class RedactSecrets(logging.Filter):
    """Rewrites a record's arguments (uvicorn's access log passes the path as one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


def install_redaction() -> None:
    """Once per process, on the access log of the web server."""
    access = logging.getLogger("uvicorn.access")
    if not any(isinstance(f, RedactSecrets) for f in access.filters):
        access.addFilter(RedactSecrets())
