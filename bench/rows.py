"""Rows the benchmarks insert in bulk: one shape of a customer account for all of them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any


def account_row(
    account_id: uuid.UUID, email: str, created_at: datetime, name: str | None = None
) -> dict[str, Any]:
    """A Californian customer writing in English, as every bench seeds them."""
    return dict(
        id=account_id,
        email=email,
        name=name,
        country="US",
        region="CA",
        locale="en",
        created_at=created_at,
    )
