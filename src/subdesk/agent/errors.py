"""Error pages: under /agent in the console's own layout, elsewhere the portal's."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from subdesk.agent.web import render
from subdesk.errors import SubdeskError
from subdesk.portal import pages

CONSOLE = "/agent"


def error_page(request: Request, status: int, error: SubdeskError | None = None) -> Response:
    """What went wrong and where to go next, styled for whoever was looking."""
    path = request.url.path
    if path != CONSOLE and not path.startswith(CONSOLE + "/"):
        return pages.error_page(request, status, error)
    context = {"status": status, "problem": error.message if error else None}
    return render(request, "console_error.html", context, status=status)
