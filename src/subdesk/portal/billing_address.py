"""The billing address page: who is billed and where (it decides the tax), with a VAT ID."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.accounts.billing_address import find_billing_address, set_billing_address
from subdesk.accounts.rules import BillingAddressFields
from subdesk.billing.tax.rules import Jurisdiction, prices_include_tax
from subdesk.errors import SubdeskError
from subdesk.fields import FormText as Text
from subdesk.portal.auth import COUNTRIES
from subdesk.portal.web import customer, render
from subdesk.web.kit import form_error, redirect

router = APIRouter(include_in_schema=False)

FIELDS = ("name", "line1", "line2", "postal_code", "city", "country", "subdivision", "vat_id")


def _page(
    request: Request, errors: dict[str, str], values: dict[str, str] | None, saved: bool = False
) -> Response:
    with customer(request) as (work, account):
        address = find_billing_address(work, account.id)
        if values is None and address is not None:
            values = {name: getattr(address, name) or "" for name in FIELDS}
        if values is None:  # a first address starts from what sign-up told
            values = {"name": account.name or "", "country": account.country}
            values["subdivision"] = account.region or ""
        context = {
            "account": account,
            "countries": COUNTRIES,
            "values": values,
            "errors": errors,
            "saved": saved and address is not None,
            "jurisdiction": Jurisdiction(address.country, address.subdivision).code
            if address
            else None,
            "inclusive": prices_include_tax(address.country) if address else None,
        }
        return render(request, "billing_address.html", context, status=400 if errors else 200)


@router.get("/account/billing-address", response_class=HTMLResponse)
def billing_address_page(request: Request) -> Response:
    return _page(request, {}, None, saved=request.query_params.get("saved") == "1")


@router.post("/account/billing-address", response_class=HTMLResponse)
def save_billing_address(
    request: Request,
    name: Text = "",
    line1: Text = "",
    line2: Text = "",
    postal_code: Text = "",
    city: Text = "",
    country: Text = "",
    subdivision: Text = "",
    vat_id: Text = "",
) -> Response:
    values = {
        "name": name,
        "line1": line1,
        "line2": line2,
        "postal_code": postal_code,
        "city": city,
        "country": country,
        "subdivision": subdivision,
        "vat_id": vat_id,
    }
    try:
        with customer(request, writes=True) as (work, account):
            set_billing_address(work, account.id, BillingAddressFields(**values))
    except SubdeskError as error:
        if error.code == "sign_in_needed":
            raise
        return _page(request, form_error(error, FIELDS), values)
    return redirect("/account/billing-address?saved=1")
