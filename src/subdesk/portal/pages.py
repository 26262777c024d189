"""The front page and the error pages of the portal (the help center is in help.py)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from subdesk.errors import SubdeskError
from subdesk.portal.web import SESSION_TOKEN, render
from subdesk.web.kit import redirect

router = APIRouter(include_in_schema=False)

API_PREFIXES = ("/api/", "/docs", "/redoc", "/openapi.json", "/healthz", "/readyz", "/metrics")


def is_page(request: Request) -> bool:
    """Portal pages answer errors in HTML; the API answers them in JSON."""
    return not request.url.path.startswith(API_PREFIXES)


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    if SESSION_TOKEN in request.session:
        return redirect("/account")
    return render(request, "home.html")


def error_page(request: Request, status: int, error: SubdeskError | None = None) -> Response:
    """A page that says what went wrong and where to go next; never a bare 500."""
    if error is not None and error.code == "sign_in_needed":
        return redirect(f"/sign-in?next={quote(request.url.path)}")
    context = {"status": status, "message": error.message if error else None}
    return render(request, "error.html", context, status=status)
