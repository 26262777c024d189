"""The devices page: every device holding a seat, when it was last seen, rename and remove."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from subdesk.fields import FormText
from subdesk.http import parse_uuid
from subdesk.licensing import devices
from subdesk.licensing.schemas import RenameIn
from subdesk.portal.web import customer, render
from subdesk.subscriptions import queries
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)


def _page(request: Request, errors: dict[str, str] | None = None) -> Response:
    with customer(request) as (work, account):
        subscriptions = {s.id: s for s in queries.list_subscriptions(work, account.id)}
        context = {
            "account": account,
            "devices": devices.list_devices(work, account.id),
            "subscriptions": subscriptions,
            "errors": errors or {},
        }
        return render(request, "devices.html", context, status=400 if errors else 200)


@router.get("/account/devices", response_class=HTMLResponse)
def devices_page(request: Request) -> Response:
    return _page(request)


@router.post("/account/devices/{device_id}/rename", response_class=HTMLResponse)
def rename(device_id: str, request: Request, name: FormText = "") -> Response:
    found = parse_uuid(device_id, "device_id")
    try:
        new_name = RenameIn(name=name).name
    except ValidationError:
        return _page(request, {str(found): "A device name is 1 to 100 characters."})
    with customer(request, writes=True) as (work, account):
        devices.rename(work, account.id, found, new_name)
    return redirect("/account/devices")


@router.post("/account/devices/{device_id}/remove")
def remove(device_id: str, request: Request) -> Response:
    """Remove a device: its seat is free at once and it stops being protected."""
    found = parse_uuid(device_id, "device_id")
    with customer(request, writes=True) as (work, account):
        devices.remove(work, devices.get_owned(work, account.id, found))
    return redirect("/account/devices")
