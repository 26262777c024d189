"""Where a form may send the browser next: a page of this site, read as a browser reads it."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

# Printable ASCII but the backslash: browsers drop tabs and newlines inside a URL, strip
# spaces and controls at its ends, and read "\" as "/", so "/\evil", "/\t/evil" and
# " //evil" all lead off the site.
_PLAIN = re.compile(r"[!-\[\]-~]*")
MAX_LENGTH = 2048
# "%252F%252F" is "%2F%2F" once decoded and "//" twice: the path, decoded up to this deep,
# must stay a path of this site (the query string is the page's own business).
_DECODINGS = 3


def safe_next(url: str, default: str, *, within: str = "/") -> str:
    """`url` if it is a path of this site under `within` (its query string kept), else
    `default`: never an open redirect, however the address is written or encoded."""
    if len(url) > MAX_LENGTH or not _PLAIN.fullmatch(url):
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc:
        return default
    path = parts.path
    for _ in range(_DECODINGS + 1):
        if not _is_local(path, within):
            return default
        path = unquote(path)
    return url


def _is_local(path: str, within: str) -> bool:
    if not _PLAIN.fullmatch(path) or not path.startswith("/") or path.startswith("//"):
        return False
    prefix = within.rstrip("/")
    return not prefix or path == prefix or path.startswith(f"{prefix}/")
