"""Idempotency records: a repeated request with the same key gets the first answer back."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from subdesk.errors import Conflict
from subdesk.models import IdempotencyRecord

MAX_KEY_LENGTH = 200


class IdempotencyKeyReused(Conflict):
    code = "idempotency_key_reused"


def request_fingerprint(payload: Any) -> str:
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()


def replay(
    session: Session, scope: str, key: str, fingerprint: str
) -> tuple[int, dict[str, Any]] | None:
    """The stored answer for (scope, key), or None; a key reused for another request is refused."""
    record = session.get(IdempotencyRecord, (scope, key))
    if record is None:
        return None
    if record.request_hash != fingerprint:
        raise IdempotencyKeyReused(
            "This Idempotency-Key was already used for a different request.",
            field="Idempotency-Key",
        )
    return record.status_code, record.response


def remember(
    session: Session,
    scope: str,
    key: str,
    fingerprint: str,
    answer: tuple[int, Any],
    now: datetime,
) -> None:
    """Store the answer (status, JSON body) to (scope, key) in this unit of work; a request
    that races it with the same key fails at the flush and is answered by `replay`."""
    status_code, response = answer
    record = IdempotencyRecord(
        scope=scope,
        key=key,
        request_hash=fingerprint,
        status_code=status_code,
        response=response,
        created_at=now,
    )
    session.add(record)
    session.flush()
