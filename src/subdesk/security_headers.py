"""Browser protections on every response: a strict Content-Security-Policy, no framing, no
MIME sniffing, a same-origin referrer, and HSTS when the site is served over https.

Pages of subdesk load only their own scripts and styles: no inline script, style or event
handler anywhere. The API docs are FastAPI's: Swagger UI (/docs) and ReDoc (/redoc) come
from the jsDelivr CDN and start from one inline script, so those pages get a policy of
their own that allows the CDN and that script by its SHA-256 (and inline styles, which the
viewers set), and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi import FastAPI
from fastapi.openapi.docs import (
    get_redoc_html,
    get_swagger_ui_html,
    get_swagger_ui_oauth2_redirect_html,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

CDN = "https://cdn.jsdelivr.net"
FAVICON = "https://fastapi.tiangolo.com"
PAGE_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)
HSTS = b"max-age=31536000; includeSubDomains"


def _hashes(html: str) -> str:
    return " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'"
        for s in _INLINE_SCRIPT.findall(html)
    )


def docs_policies(app: FastAPI) -> dict[str, str]:
    """The policy of each API docs page, allowing exactly the inline script FastAPI renders."""
    policies: dict[str, str] = {}
    if app.openapi_url and app.docs_url:
        swagger = get_swagger_ui_html(
            openapi_url=app.openapi_url,
            title=f"{app.title} - Swagger UI",
            oauth2_redirect_url=app.swagger_ui_oauth2_redirect_url,
            init_oauth=app.swagger_ui_init_oauth,
            swagger_ui_parameters=app.swagger_ui_parameters,
        ).body
        swagger_html = bytes(swagger).decode()
        policies[app.docs_url] = (
            f"default-src 'none'; script-src {CDN} {_hashes(swagger_html)}; "
            f"style-src {CDN} 'unsafe-inline'; img-src 'self' data: {FAVICON}; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
        if app.swagger_ui_oauth2_redirect_url:
            redirect = bytes(get_swagger_ui_oauth2_redirect_html().body).decode()
            policies[app.swagger_ui_oauth2_redirect_url] = (
                f"default-src 'none'; script-src {_hashes(redirect)}; frame-ancestors 'none'"
            )
    if app.openapi_url and app.redoc_url:
        get_redoc_html(openapi_url=app.openapi_url, title=app.title)  # no inline script
        policies[app.redoc_url] = (
            f"default-src 'none'; script-src {CDN}; worker-src blob:; "
            "style-src 'unsafe-inline' https://fonts.googleapis.com; "
            f"font-src https://fonts.gstatic.com; img-src 'self' data: {FAVICON}; "
            "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
        )
    return policies


class SecurityHeaders:
    """Adds the headers to every response start, unless the response set its own."""

    def __init__(self, app: ASGIApp, *, https: bool, docs: dict[str, str]) -> None:
        self.app = app
        common = [
            (b"x-frame-options", b"DENY"),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"same-origin"),
        ]
        if https:
            common.append((b"strict-transport-security", HSTS))
        self._page = [*common, (b"content-security-policy", PAGE_POLICY.encode())]
        self._docs = {
            path: [*common, (b"content-security-policy", policy.encode())]
            for path, policy in docs.items()
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self._docs.get(scope["path"], self._page)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {key.lower() for key, _ in headers}
                headers.extend(item for item in extra if item[0] not in present)
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)
