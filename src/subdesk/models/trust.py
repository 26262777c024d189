"""The trust check's tables: official channels, reports from the public, known scam numbers."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from subdesk.models.base import Base, uuid_pk


class OfficialPhone(Base):
    """A phone number the vendor really answers."""

    __tablename__ = "official_phones"

    id: Mapped[uuid.UUID] = uuid_pk()
    e164: Mapped[str] = mapped_column(String(16), unique=True)
    country: Mapped[str | None] = mapped_column(String(2))
    toll_free: Mapped[bool]
    purpose: Mapped[str] = mapped_column(String(100))  # e.g. "customer support"
    hours: Mapped[str] = mapped_column(String(200))  # e.g. "Mon-Fri 8:00-20:00 ET"
    added_at: Mapped[datetime]


class OfficialDomain(Base):
    """A web domain (with its subdomains) or an email sender domain of the vendor."""

    __tablename__ = "official_domains"
    __table_args__ = (UniqueConstraint("kind", "domain"),)

    id: Mapped[uuid.UUID] = uuid_pk()
    kind: Mapped[str] = mapped_column(String(10))  # web | email
    domain: Mapped[str] = mapped_column(String(253))
    added_at: Mapped[datetime]


class TrustReport(Base):
    """A page, number, link or address someone reported, with the verdict it got then."""

    __tablename__ = "trust_reports"

    id: Mapped[uuid.UUID] = uuid_pk()
    reported_at: Mapped[datetime] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(10))  # text | phone | url | email
    excerpt: Mapped[str] = mapped_column(Text)  # the start of what was reported
    source_url: Mapped[str | None] = mapped_column(String(2000))
    note: Mapped[str | None] = mapped_column(Text)
    verdict: Mapped[str] = mapped_column(String(20))
    score: Mapped[int]


class TrustReportNumber(Base):
    """A number (not ours) found in a report, and how often it stood there."""

    __tablename__ = "trust_report_numbers"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("trust_reports.id"), primary_key=True)
    e164: Mapped[str] = mapped_column(String(16), primary_key=True, index=True)
    country: Mapped[str | None] = mapped_column(String(2))
    toll_free: Mapped[bool]
    occurrences: Mapped[int]


class ScamNumber(Base):
    """A number the trust team confirmed as a scam: every later check calls it likely_scam."""

    __tablename__ = "scam_numbers"

    e164: Mapped[str] = mapped_column(String(16), primary_key=True)
    marked_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
