"""Log hygiene: secrets that travel in URLs (password-reset links) never reach a log line."""

from __future__ import annotations

import logging
import re

_SECRET_PARAMETER = re.compile(r"(?i)\b(token|key|password)=[^&\s\"']+")


def redact(text: str) -> str:
    return _SECRET_PARAMETER.sub(lambda match: f"{match.group(1)}=[redacted]", text)


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
