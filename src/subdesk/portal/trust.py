"""Is this really us? The official channels, and a check of a number, link, address or page,
for anyone, without signing in."""

from __future__ import annotations

import phonenumbers
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.errors import SubdeskError
from subdesk.fields import FormText
from subdesk.portal.web import render
from subdesk.trust import registry, service
from subdesk.web.kit import form_error, visitor

router = APIRouter(include_in_schema=False)

KINDS = {
    "text": "A page or message (paste its text)",
    "phone": "A phone number",
    "url": "A web address",
    "email": "An email address",
}


def _readable(e164: str) -> str:
    number = phonenumbers.parse(e164)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


@router.get("/contact", response_class=HTMLResponse)
def how_to_reach_us(request: Request) -> Response:
    """The official channels; anything else is not us, and cancelling needs no call."""
    with visitor(request) as work:
        channels = registry.channels(work.session)
        phones = [(p, _readable(p.e164)) for p in channels.phones]
        context = {"channels": channels, "phones": phones}
        return render(request, "contact.html", context)


@router.get("/check", response_class=HTMLResponse)
def check_page(request: Request) -> Response:
    context = {"kinds": KINDS, "values": {"kind": "phone"}, "errors": {}, "result": None}
    return render(request, "check.html", context)


@router.post("/check", response_class=HTMLResponse)
def check(request: Request, kind: FormText = "phone", value: FormText = "") -> Response:
    values = {"kind": kind if kind in KINDS else "phone", "value": value}
    try:
        if not value.strip():
            raise SubdeskError("Paste or type what you want to check.", field="value")
        with visitor(request) as work:
            result = service.check(work, service.Kind(values["kind"]), value)
    except SubdeskError as error:
        fields = ("value", "text", "phone", "url", "email")
        errors = form_error(error, fields)
        errors = {"value" if key in fields else key: message for key, message in errors.items()}
        failed: dict[str, object] = {"kinds": KINDS, "values": values, "errors": errors}
        return render(request, "check.html", {**failed, "result": None}, status=400)
    answered: dict[str, object] = {"kinds": KINDS, "values": values, "errors": {}}
    return render(request, "check.html", {**answered, "result": result})
