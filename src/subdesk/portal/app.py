"""Mounts the portal on the app: its pages, its stylesheet, signed session cookies and CSRF
protection on every form."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asgi_csrf import asgi_csrf
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from subdesk.context import Runtime
from subdesk.logs import install_redaction
from subdesk.portal import (
    account,
    auth,
    authenticate,
    billing,
    buy,
    cancel,
    cases,
    devices,
    germany,
    help_center,
    pages,
    trust,
)
from subdesk.portal.pages import API_PREFIXES

SESSION_COOKIE = "subdesk_session"
# Forms that a visitor without a session posts: protected even when no cookie came along.
PUBLIC_FORMS = frozenset(
    {
        "/sign-in",
        "/sign-up",
        "/kuendigen",
        "/kuendigen/nicht-ich",
        "/forgot-password",
        "/reset-password",
        "/check",
        "/help/feedback",
        "/agent/sign-in",
    }
)
FORBIDDEN = (
    "<!doctype html><html lang='en'><meta charset='utf-8'><title>Form expired</title>"
    "<p>This form has expired or did not come from subdesk. "
    "<a href='javascript:history.back()'>Go back</a>, reload the page and send it again.</p></html>"
)


class CsrfProtection:
    """asgi-csrf (double-submit cookie, signed token) on every portal form; the JSON API
    authenticates with bearer tokens and is left to them."""

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool) -> None:
        self.api = app
        self.app = asgi_csrf(
            app,
            signing_secret=secret,
            always_protect=PUBLIC_FORMS,
            skip_if_scope=lambda scope: scope["path"].startswith(API_PREFIXES),
            cookie_secure=secure,
            cookie_samesite="Lax",
            send_csrf_failed=_refused,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The API costs nothing here: no token is signed for it, no body is read.
        if scope["type"] == "http" and scope["path"].startswith(API_PREFIXES):
            await self.api(scope, receive, send)
            return
        await self.app(scope, receive, send)


async def _refused(_scope: Scope, send: Send, _message_id: Any) -> None:
    headers = [(b"content-type", b"text/html; charset=utf-8")]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": FORBIDDEN.encode()})


def install_portal(app: FastAPI, runtime: Runtime) -> None:
    install_redaction()
    modules = (
        pages,
        authenticate,
        help_center,
        auth,
        account,
        billing,
        buy,
        cancel,
        cases,
        devices,
        germany,
        trust,
    )
    for module in modules:
        app.include_router(module.router)
    static = Path(__file__).parent / "static"
    app.mount("/static", StaticFiles(directory=static), name="static")
    secure = runtime.settings.public_url.startswith("https://")
    app.add_middleware(
        CsrfProtection,
        secret=runtime.signer.derive_secret(b"subdesk-portal-csrf-v1"),
        secure=secure,
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=runtime.signer.derive_secret(b"subdesk-portal-session-v1"),
        session_cookie=SESSION_COOKIE,
        max_age=runtime.settings.token_ttl_days * 86400,
        same_site="lax",
        https_only=secure,
    )
