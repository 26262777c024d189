"""The request-hygiene layer: a URL with control characters, or a form body that cannot be
read, is refused with a 4xx before anything else reads it.

What it spares the rest: the CSRF check reads every portal form before the route does and
fails on a body that is not UTF-8; it cannot read multipart bodies at all (asgi-csrf 0.11
passes python-multipart an argument it no longer takes, and splits the boundary on the exact
text "; boundary="), and no page of subdesk sends one (no file uploads), so multipart is
refused with a 415; a NUL in a path or query string would reach PostgreSQL, which cannot
hold one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from urllib.parse import unquote_to_bytes

from fastapi import Request
from python_multipart.multipart import parse_options_header
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from subdesk.errors import InvalidRequest, SubdeskError

ErrorPage = Callable[[Request, int, SubdeskError], Response]

_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_PATH_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_URLENCODED = b"application/x-www-form-urlencoded"
_MULTIPART = b"multipart/form-data"
_BAD_URL = InvalidRequest(
    "The address holds a control character (such as NUL).", code="control_character"
)
_BAD_FORM = InvalidRequest(
    "The form could not be read: send it again from the page.", code="malformed_form"
)


class UnsupportedForm(InvalidRequest):
    status = 415
    code = "unsupported_form"


_MULTIPART_FORM = UnsupportedForm(
    "The form could not be read: send it again from the page (multipart is not taken)."
)


class RequestHygiene:
    def __init__(self, app: ASGIApp, *, error_page: ErrorPage, api_prefixes: tuple[str, ...]):
        self.app = app
        self._page = error_page
        self._api = api_prefixes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _url_has_control(scope):
            await self._refuse(scope, receive, send, _BAD_URL)
            return
        kind, _params = parse_options_header(_header(scope, b"content-type"))
        if scope["method"] in _SAFE_METHODS or kind not in (_URLENCODED, _MULTIPART):
            await self.app(scope, receive, send)
            return
        if kind == _MULTIPART:
            await self._refuse(scope, receive, send, _MULTIPART_FORM)
            return
        messages = await _read_all(receive)
        if not _is_utf8(b"".join(m.get("body", b"") for m in messages)):
            await self._refuse(scope, _replay(messages, receive), send, _BAD_FORM)
            return
        await self.app(scope, _replay(messages, receive), send)

    async def _refuse(
        self, scope: Scope, receive: Receive, send: Send, error: SubdeskError
    ) -> None:
        if scope["path"].startswith(self._api):
            body = json.dumps(error.as_body()).encode()
            response = Response(body, status_code=error.status, media_type="application/json")
        else:
            response = self._page(Request(scope), error.status, error)
        await response(scope, receive, send)


def _url_has_control(scope: Scope) -> bool:
    query: bytes = scope.get("query_string", b"")
    if _PATH_CONTROL.search(scope["path"]):
        return True
    return bool(query) and _CONTROL.search(unquote_to_bytes(query.replace(b"+", b" "))) is not None


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _header(scope: Scope, name: bytes) -> bytes:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value)
    return b""


async def _read_all(receive: Receive) -> list[Message]:
    messages = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request" or not message.get("more_body", False):
            return messages


def _replay(messages: list[Message], receive: Receive) -> Receive:
    pending = list(messages)

    async def replay() -> Message:
        return pending.pop(0) if pending else await receive()

    return replay
