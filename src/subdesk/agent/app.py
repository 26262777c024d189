"""Mounts the staff console on the app: its pages and where a missing staff session leads."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from subdesk.agent import (
    articles,
    auth,
    billing_problems,
    cases,
    customers,
    dashboard,
    exceptions,
    search,
    staff,
)
from subdesk.agent.web import PasswordChangeNeeded, StaffSignInNeeded


async def _sign_in(request: Request, _error: Exception) -> Response:
    # Back to the page as asked for, query string included (a dashboard's range, a search);
    # sign-in checks `next` with `safe_next`.
    back = f"{request.url.path}?{request.url.query}" if request.url.query else request.url.path
    return RedirectResponse(f"/agent/sign-in?next={quote(back)}", status_code=303)


async def _password(_request: Request, _error: Exception) -> Response:
    return RedirectResponse("/agent/password", status_code=303)


def install_agent(app: FastAPI) -> None:
    modules = (
        auth,
        search,
        customers,
        cases,
        exceptions,
        billing_problems,
        articles,
        staff,
        dashboard,
    )
    for module in modules:
        app.include_router(module.router)
    # Handlers of these subclasses win over the app's SubdeskError handler.
    app.add_exception_handler(StaffSignInNeeded, _sign_in)
    app.add_exception_handler(PasswordChangeNeeded, _password)
