"""JSON log lines, one object a line, with the request id and actor of the work that wrote
them, and every secret redacted (subdesk.logs).

The standard library's `logging` with a formatter of our own, rather than structlog: every
library subdesk runs on (uvicorn, SQLAlchemy, Alembic) already logs through it, so one
formatter on the root handler makes all of their lines JSON too, with nothing to bridge.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from subdesk.logs import redact, redact_value

# An id we accept from a caller: what proxies and tracing systems send, nothing to inject.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
# The attributes every LogRecord has; anything else on one came in `extra=`.
_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@dataclass(slots=True)
class WorkContext:
    """Who and what a piece of work is for; mutable, so that a thread the request runs its
    handler in can name the actor once it is known (the context is copied, not this)."""

    request_id: str
    actor: str | None = None


_current: ContextVar[WorkContext | None] = ContextVar("subdesk_work", default=None)


def new_request_id() -> str:
    return secrets.token_hex(8)


def accepted_request_id(given: str | None) -> str:
    """The caller's `X-Request-ID` if it is short and plain, else a new one."""
    if given and _SANE_ID.fullmatch(given):
        return given
    return new_request_id()


def current() -> WorkContext | None:
    return _current.get()


def current_request_id() -> str | None:
    context = _current.get()
    return context.request_id if context else None


def begin(request_id: str) -> WorkContext:
    """Make `request_id` the current work's for the rest of this task (or thread)."""
    context = WorkContext(request_id)
    _current.set(context)
    return context


@contextmanager
def working_on(request_id: str | None) -> Iterator[None]:
    """Log lines inside carry `request_id` (the worker, sending what a request queued)."""
    token = _current.set(WorkContext(request_id) if request_id else None)
    try:
        yield
    finally:
        _current.reset(token)


def note_actor(actor: str) -> None:
    """Name who acts in the current request (its log line says so)."""
    context = _current.get()
    if context is not None:
        context.actor = actor


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time, level, logger, message, the work's request id and
    actor, the record's extra fields and any traceback, all redacted."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        context = _current.get()
        if context is not None:
            line["request_id"] = context.request_id
            if context.actor:
                line["actor"] = context.actor
        for name, value in record.__dict__.items():
            if name not in _STANDARD and not name.startswith("_"):
                line[name] = redact_value(name, value)
        if record.exc_info:
            line["exception"] = redact(self.formatException(record.exc_info))
        if record.stack_info:
            line["stack"] = redact(self.formatStack(record.stack_info))
        return json.dumps(line, default=str, ensure_ascii=False)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """A `logging.config.dictConfig` for a process (uvicorn's workers take it as
    `log_config`): JSON to stderr from every logger, uvicorn's own included."""
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    quiet = {"handlers": [], "propagate": True}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "subdesk.operations.logging.JsonFormatter"}},
        "handlers": {"stderr": handler},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {"uvicorn": quiet, "uvicorn.error": quiet, "uvicorn.access": quiet},
    }


def configure(level: str = "INFO") -> None:
    """JSON logging for this process (the worker; `subdesk serve` hands it to uvicorn)."""
    import logging.config

    logging.config.dictConfig(logging_config(level))
