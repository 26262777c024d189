"""Mounts the portal on the app: its pages, its stylesheet, signed session cookies and CSRF
protection on every form."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from asgi_csrf import asgi_csrf
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from itsdangerous.url_safe import URLSafeSerializer
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from subdesk.context import Runtime
from subdesk.logs import install_redaction
from subdesk.portal import (
    account,
    auth,
    authenticate,
    billing,
    billing_address,
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
CSRF_BINDING = "csrf"  # the session key of the random value every form token is signed from
CSRF_NAMESPACE = "csrftoken"  # asgi-csrf's signing namespace
_BINDING = "subdesk.csrf_binding"
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
    "Go back, reload the page and send it again, or <a href='/'>start again</a>.</p></html>"
)


class CsrfProtection:
    """asgi-csrf (a signed token in every form, compared to the request's) on every portal
    form, the token bound to the visitor's session; the JSON API authenticates with bearer
    tokens and is left to them.

    asgi-csrf compares the form's token to its own cookie, which anyone who can set a cookie
    for the site (a sibling subdomain, a network on plain http) can choose, and it offers no
    hook for anything else. So the value it reads as its cookie is made here, from a random
    binding kept in the signed session: a token from another session, or from before the
    session was renewed at sign-in, no longer matches. The binding is only stored once a page
    shows a form.
    """

    def __init__(self, app: ASGIApp, *, secret: str, secure: bool) -> None:
        self.api = app
        self._signer = URLSafeSerializer(secret)
        self.app = asgi_csrf(
            _keeping_binding(app),
            signing_secret=secret,
            always_protect=PUBLIC_FORMS,
            skip_if_scope=lambda scope: scope["path"].startswith(API_PREFIXES),
            cookie_secure=secure,
            cookie_samesite="Lax",
            send_csrf_failed=_refused,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # The API costs nothing here: no token is signed for it, no body is read.
        if scope["type"] != "http" or scope["path"].startswith(API_PREFIXES):
            await self.api(scope, receive, send)
            return
        session = scope.get("session", {})  # the session middleware runs before this one
        binding = session.get(CSRF_BINDING) or secrets.token_urlsafe(16)
        token = self._signer.dumps(binding, CSRF_NAMESPACE)
        headers = _with_csrf_cookie(scope["headers"], token)
        await self.app({**scope, "headers": headers, _BINDING: binding}, receive, send)


def _keeping_binding(app: ASGIApp) -> ASGIApp:
    """Stores the request's binding in the session when a page asks for the token."""

    async def keeping(scope: Scope, receive: Receive, send: Send) -> None:
        issue = scope.get("csrftoken")
        if issue is None:
            await app(scope, receive, send)
            return

        def token() -> str:
            session = scope.get("session")
            if session is not None:
                session.setdefault(CSRF_BINDING, scope[_BINDING])
            issued: str = issue()
            return issued

        await app({**scope, "csrftoken": token}, receive, send)

    return keeping


def _with_csrf_cookie(headers: list[tuple[bytes, bytes]], token: str) -> list[tuple[bytes, bytes]]:
    """The request's cookies in one header, asgi-csrf's own cookie replaced by `token`."""
    others = [(key, value) for key, value in headers if key != b"cookie"]
    pairs = [
        pair.strip()
        for key, value in headers
        if key == b"cookie"
        for pair in value.split(b";")
        if pair.strip() and not pair.strip().startswith(b"csrftoken=")
    ]
    pairs.append(b"csrftoken=" + token.encode())
    return [*others, (b"cookie", b"; ".join(pairs))]


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
        billing_address,
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
