"""API shapes of the trust check, the official channels, reports and known scam numbers."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field, model_validator

from subdesk.schemas import Input
from subdesk.trust.registry import Channels
from subdesk.trust.reports import ReportedNumber
from subdesk.trust.rules import Evidence, Reason
from subdesk.trust.service import CheckResult, Kind

NOTE = (
    "Cancelling never needs a phone call: stop the renewal or cancel online at {cancel_url}. "
    "Only the numbers, websites and email domains listed here are ours."
)


class CheckIn(BaseModel):
    """Exactly one of: a page of text or HTML (at most 1 MB), a phone number, a link, an address."""

    text: str | None = Field(default=None, description="A page of text or HTML, at most 1 MB.")
    phone: str | None = Field(default=None, max_length=2000, examples=["+1 888 555 0143"])
    url: str | None = Field(default=None, max_length=2000, examples=["https://example.com"])
    email: str | None = Field(default=None, max_length=2000, examples=["help@example.com"])

    @model_validator(mode="after")
    def exactly_one(self) -> CheckIn:
        if sum(value is not None for value in (self.text, self.phone, self.url, self.email)) != 1:
            raise ValueError("Send exactly one of text, phone, url or email.")
        return self

    def given(self) -> tuple[Kind, str]:
        for kind in Kind:
            value = getattr(self, kind.value)
            if value is not None:
                return kind, value
        raise AssertionError("validated to hold one")  # pragma: no cover


class ReportIn(Input, CheckIn):
    """What a report keeps is checked like every stored text (the check itself reads any page)."""

    source_url: str | None = Field(default=None, max_length=2000, description="Where you saw it.")
    note: str | None = Field(default=None, max_length=2000)


class PlaceOut(BaseModel):
    offset: int = Field(description="Characters from the start of what was checked.")
    snippet: str
    as_found: str
    disguises: list[str]


class EvidenceOut(BaseModel):
    kind: str = Field(description="phone, link, email or phrase")
    as_found: str
    normalised: str = Field(description="E.164 for a number, the host for a link or address.")
    count: int = Field(description="How often it was found.")
    places: list[PlaceOut] = Field(description="Where (the first ten places).")
    disguises: list[str]
    country: str | None
    toll_free: bool | None

    @classmethod
    def of(cls, evidence: Evidence) -> EvidenceOut:
        return cls(
            kind=evidence.kind,
            as_found=evidence.as_found,
            normalised=evidence.normalised,
            count=evidence.count,
            places=[
                PlaceOut(
                    offset=p.offset,
                    snippet=p.snippet,
                    as_found=p.as_found,
                    disguises=list(p.disguises),
                )
                for p in evidence.places
            ],
            disguises=list(evidence.disguises),
            country=evidence.country,
            toll_free=evidence.toll_free,
        )


class ReasonOut(BaseModel):
    code: str
    weight: int
    explanation: str
    advice: str
    evidence: list[EvidenceOut]

    @classmethod
    def of(cls, reason: Reason) -> ReasonOut:
        return cls(
            code=reason.code,
            weight=reason.weight,
            explanation=reason.explanation,
            advice=reason.advice,
            evidence=[EvidenceOut.of(e) for e in reason.evidence],
        )


class CheckOut(BaseModel):
    checked: str = Field(description="text, phone, url or email")
    verdict: str = Field(description="official, not_official or likely_scam")
    score: int = Field(description="0 to 100; 60 and more is likely_scam")
    reasons: list[ReasonOut]
    cancel_url: str
    channels_url: str

    @classmethod
    def of(cls, result: CheckResult) -> CheckOut:
        return cls(
            checked=result.kind.value,
            verdict=result.verdict.value,
            score=result.score,
            reasons=[ReasonOut.of(r) for r in result.reasons],
            cancel_url=result.cancel_url,
            channels_url=result.channels_url,
        )


class ReportOut(BaseModel):
    id: uuid.UUID
    reported_at: datetime
    check: CheckOut


class PhoneOut(BaseModel):
    number: str = Field(description="E.164")
    country: str | None
    toll_free: bool
    purpose: str
    hours: str


class ChannelsOut(BaseModel):
    phones: list[PhoneOut]
    web_domains: list[str]
    email_domains: list[str]
    cancel_url: str
    note: str

    @classmethod
    def of(cls, found: Channels, cancel_url: str) -> ChannelsOut:
        phones = [
            PhoneOut(
                number=p.e164,
                country=p.country,
                toll_free=p.toll_free,
                purpose=p.purpose,
                hours=p.hours,
            )
            for p in found.phones
        ]
        return cls(
            phones=phones,
            web_domains=found.web_domains,
            email_domains=found.email_domains,
            cancel_url=cancel_url,
            note=NOTE.format(cancel_url=cancel_url),
        )


class PhoneIn(Input):
    number: str = Field(min_length=3, max_length=100, examples=["+1 800 555 0199"])
    purpose: str = Field(min_length=1, max_length=100, examples=["customer support"])
    hours: str = Field(default="", max_length=200, examples=["Mon-Fri 8:00-20:00 ET"])
    reason: str | None = Field(default=None, max_length=500)


class DomainIn(Input):
    kind: str = Field(examples=["web", "email"])
    domain: str = Field(min_length=3, max_length=253, examples=["shield.example"])
    reason: str | None = Field(default=None, max_length=500)


class ScamMarkIn(Input):
    number: str = Field(min_length=3, max_length=100)
    reason: str = Field(min_length=1, max_length=500)


class ReportedNumberOut(BaseModel):
    number: str
    country: str | None
    toll_free: bool
    reports: int
    occurrences: int
    first_reported_at: datetime
    last_reported_at: datetime
    known_scam: bool

    @classmethod
    def of(cls, found: ReportedNumber) -> ReportedNumberOut:
        return cls(
            number=found.e164,
            country=found.country,
            toll_free=found.toll_free,
            reports=found.reports,
            occurrences=found.occurrences,
            first_reported_at=found.first_reported_at,
            last_reported_at=found.last_reported_at,
            known_scam=found.known_scam,
        )
