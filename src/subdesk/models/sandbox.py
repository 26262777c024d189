"""The sandbox test clock: how far the whole sandbox runs ahead of the wall clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base


class SandboxClockRow(Base):
    __tablename__ = "sandbox_clock"

    id: Mapped[int] = mapped_column(primary_key=True)
    offset_seconds: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]
