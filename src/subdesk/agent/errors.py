"""The console's own error page, in its layout (the app sends each error to the portal's
page or to this one by its path)."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from subdesk.agent.web import render
from subdesk.errors import SubdeskError

CONSOLE = "/agent"


def is_console(request: Request) -> bool:
    path = request.url.path
    return path == CONSOLE or path.startswith(CONSOLE + "/")


def console_error_page(
    request: Request, status: int, error: SubdeskError | None = None
) -> Response:
    context = {"status": status, "problem": error.message if error else None}
    return render(request, "console_error.html", context, status=status)
