"""Reports from the public, the reported numbers ranked for the trust team, and the numbers
it marks as known scams (audited; every later check of them is `likely_scam`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from subdesk.context import Work
from subdesk.errors import Conflict, NotFound
from subdesk.models import OfficialPhone, ScamNumber, TrustReport, TrustReportNumber
from subdesk.trust.registry import audit_change, read_number
from subdesk.trust.service import CheckResult, Kind, check

EXCERPT_CHARS = 2000


@dataclass(frozen=True, slots=True)
class ReportedNumber:
    e164: str
    country: str | None
    toll_free: bool
    reports: int  # how many reports named it
    occurrences: int  # how often it stood in them, all told
    first_reported_at: datetime
    last_reported_at: datetime
    known_scam: bool


def submit(
    work: Work, kind: Kind, value: str, source_url: str | None, note: str | None
) -> tuple[TrustReport, CheckResult]:
    """Keep a report with the verdict it gets now and the numbers in it that are not ours."""
    result = check(work, kind, value)
    report = TrustReport(
        id=uuid.uuid4(),
        reported_at=work.now,
        kind=kind.value,
        excerpt=value[:EXCERPT_CHARS],
        source_url=source_url,
        note=note,
        verdict=result.verdict.value,
        score=result.score,
    )
    work.session.add(report)
    work.session.flush()
    for number in result.unknown_numbers:
        work.session.add(
            TrustReportNumber(
                report_id=report.id,
                e164=number.e164,
                country=number.country,
                toll_free=number.toll_free,
                occurrences=number.count,
            )
        )
    numbers = [n.e164 for n in result.unknown_numbers]
    after = {"kind": kind.value, "verdict": report.verdict, "numbers": numbers}
    audit_change(work, "trust.report_received", ("trust_report", report.id), after=after)
    return report, result


def reported_numbers(session: Session, limit: int = 100) -> list[ReportedNumber]:
    """The numbers people reported, the most often seen first."""
    reports = func.count(TrustReportNumber.report_id)
    occurrences = func.sum(TrustReportNumber.occurrences)
    query = (
        select(
            TrustReportNumber.e164,
            TrustReportNumber.country,
            TrustReportNumber.toll_free,
            reports,
            occurrences,
            func.min(TrustReport.reported_at),
            func.max(TrustReport.reported_at),
            func.count(ScamNumber.e164),
        )
        .join(TrustReport, TrustReport.id == TrustReportNumber.report_id)
        .outerjoin(ScamNumber, ScamNumber.e164 == TrustReportNumber.e164)
        .group_by(TrustReportNumber.e164, TrustReportNumber.country, TrustReportNumber.toll_free)
        .order_by(reports.desc(), occurrences.desc(), TrustReportNumber.e164)
        .limit(max(1, min(limit, 1000)))
    )
    return [
        ReportedNumber(e164, country, toll_free, int(n), int(seen), first, last, bool(scam))
        for e164, country, toll_free, n, seen, first, last, scam in session.execute(query)
    ]


def mark_scam(work: Work, number: str, reason: str) -> ScamNumber:
    """Mark a number as a known scam; marking it again changes nothing."""
    e164 = read_number(work, number).e164
    official = select(OfficialPhone.id).where(OfficialPhone.e164 == e164)
    if work.session.scalars(official).first() is not None:
        raise Conflict(
            "This is one of our official numbers; remove it from the registry first.",
            code="official_number",
            field="number",
        )
    marked = work.session.get(ScamNumber, e164)
    if marked is not None:
        return marked
    marked = ScamNumber(e164=e164, marked_at=work.now, reason=reason)
    work.session.add(marked)
    after = {"known_scam": True}
    audit_change(
        work, "trust.number_marked_scam", ("phone_number", e164), after=after, reason=reason
    )
    return marked


def unmark_scam(work: Work, number: str, reason: str) -> None:
    e164 = read_number(work, number).e164
    marked = work.session.get(ScamNumber, e164)
    if marked is None:
        raise NotFound("This number is not marked as a scam.", code="not_marked", field="number")
    work.session.delete(marked)
    before, after = {"known_scam": True, "reason": marked.reason}, {"known_scam": False}
    audit_change(
        work,
        "trust.number_unmarked_scam",
        ("phone_number", e164),
        before=before,
        after=after,
        reason=reason,
    )
