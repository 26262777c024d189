"""Trust endpoints: the public check, channel list and reports; the trust team's registry,
reported numbers and known scams (operator key)."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request, Response

from subdesk.context import Work
from subdesk.http import Bearer, as_operator, public
from subdesk.schemas import ERRORS, ErrorBody
from subdesk.trust import registry, reports
from subdesk.trust.schemas import (
    ChannelsOut,
    CheckIn,
    CheckOut,
    DomainIn,
    PhoneIn,
    PhoneOut,
    ReportedNumberOut,
    ReportIn,
    ReportOut,
    ScamMarkIn,
)
from subdesk.trust.service import check, guidance

RESPONSES = {**ERRORS, 413: {"model": ErrorBody}}
router = APIRouter(prefix="/api/v1/trust", tags=["trust"], responses=RESPONSES)
admin = APIRouter(prefix="/api/v1/admin/trust", tags=["trust", "operations"], responses=ERRORS)
Reason = Query(min_length=1, max_length=500, description="Why (audited).")


def _limit(request: Request, limiter: str, message: str) -> None:
    address = request.client.host if request.client else "unknown"
    getattr(request.app.state, limiter).hit([f"ip:{address}"], message)


def _channels(work: Work) -> ChannelsOut:
    return ChannelsOut.of(registry.channels(work.session), guidance(work.settings).cancel_url)


@router.get("/channels", response_model=ChannelsOut)
def list_channels(request: Request) -> object:
    """Our official phone numbers, websites and email domains: anything else is not us."""
    return public(request, _channels)


@router.post("/check", response_model=CheckOut)
def check_input(body: CheckIn, request: Request) -> object:
    """Is this really us? Check a page (text or HTML, at most 1 MB), a number, a link or an
    email address: the verdict, a score and each reason with its evidence."""
    _limit(request, "trust_check_limiter", "Too many checks from here. Try again in a minute.")
    kind, value = body.given()
    return public(request, lambda work: CheckOut.of(check(work, kind, value)))


@router.post("/reports", response_model=ReportOut, status_code=201)
def report(body: ReportIn, request: Request) -> object:
    """Report a page or number that poses as us; the trust team sees it."""
    _limit(request, "trust_report_limiter", "Too many reports from here. Try again later.")
    kind, value = body.given()

    def handler(work: Work) -> ReportOut:
        saved, result = reports.submit(work, kind, value, body.source_url, body.note)
        return ReportOut(id=saved.id, reported_at=saved.reported_at, check=CheckOut.of(result))

    return public(request, handler, status=201)


@admin.get("/channels", response_model=ChannelsOut)
def admin_channels(request: Request, bearer: Bearer) -> object:
    return as_operator(request, bearer, _channels)


@admin.post("/phones", response_model=PhoneOut, status_code=201)
def add_phone(body: PhoneIn, request: Request, bearer: Bearer) -> object:
    def handler(work: Work) -> PhoneOut:
        phone = registry.add_phone(work, body.number, body.purpose, body.hours, body.reason)
        return PhoneOut(
            number=phone.e164,
            country=phone.country,
            toll_free=phone.toll_free,
            purpose=phone.purpose,
            hours=phone.hours,
        )

    return as_operator(request, bearer, handler, status=201)


@admin.delete("/phones/{number}", status_code=204, response_class=Response)
def remove_phone(number: str, request: Request, bearer: Bearer, reason: str = Reason) -> Response:
    as_operator(request, bearer, lambda w: registry.remove_phone(w, number, reason))
    return Response(status_code=204)


@admin.post("/domains", status_code=201)
def add_domain(body: DomainIn, request: Request, bearer: Bearer) -> object:
    def handler(work: Work) -> dict[str, str]:
        row = registry.add_domain(work, body.kind, body.domain, body.reason)
        return {"kind": row.kind, "domain": row.domain}

    return as_operator(request, bearer, handler, status=201)


@admin.delete("/domains/{kind}/{domain}", status_code=204, response_class=Response)
def remove_domain(
    kind: str, domain: str, request: Request, bearer: Bearer, reason: str = Reason
) -> Response:
    as_operator(request, bearer, lambda w: registry.remove_domain(w, kind, domain, reason))
    return Response(status_code=204)


@admin.get("/reported-numbers", response_model=list[ReportedNumberOut])
def reported_numbers(request: Request, bearer: Bearer, limit: int = 100) -> object:
    """Numbers people reported, the most often seen first."""
    return as_operator(
        request,
        bearer,
        lambda w: [ReportedNumberOut.of(n) for n in reports.reported_numbers(w.session, limit)],
    )


@admin.post("/scam-numbers", status_code=201)
def mark_scam(body: ScamMarkIn, request: Request, bearer: Bearer) -> object:
    """Mark a number as a known scam: every later check of it is likely_scam."""

    def handler(work: Work) -> dict[str, str]:
        marked = reports.mark_scam(work, body.number, body.reason)
        return {"number": marked.e164, "reason": marked.reason}

    return as_operator(request, bearer, handler, status=201)


@admin.delete("/scam-numbers/{number}", status_code=204, response_class=Response)
def unmark_scam(number: str, request: Request, bearer: Bearer, reason: str = Reason) -> Response:
    as_operator(request, bearer, lambda w: reports.unmark_scam(w, number, reason))
    return Response(status_code=204)
