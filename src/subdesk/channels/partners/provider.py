"""Asking a provider whether a customer's billing problem is resolved (its status endpoint).

`GET <status_url>?external_id=<id>` answers `{"status": "active" | "suspended" |
"canceled"}`. The call happens outside any database transaction, with a short timeout.
"""

from __future__ import annotations

import json
import urllib.parse
import urllib.request
from typing import Protocol

from subdesk.errors import SubdeskError


class ProviderUnreachable(SubdeskError):
    status = 503
    code = "provider_unreachable"


class ProviderStatus(Protocol):
    def status_of(self, status_url: str, external_id: str) -> str: ...


class HttpProviderStatus:
    def __init__(self, timeout: float = 5.0) -> None:
        self._timeout = timeout

    def status_of(self, status_url: str, external_id: str) -> str:
        query = urllib.parse.urlencode({"external_id": external_id})
        url = f"{status_url}{'&' if '?' in status_url else '?'}{query}"
        if not url.startswith(("http://", "https://")):
            raise ProviderUnreachable("The provider's status address is not a web address.")
        request = urllib.request.Request(url, headers={"Accept": "application/json"})  # noqa: S310
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:  # noqa: S310
                answer = json.loads(response.read(64_000))
        except (OSError, ValueError) as error:
            raise ProviderUnreachable(
                "We could not reach your provider just now. Try again in a few minutes."
            ) from error
        status = answer.get("status") if isinstance(answer, dict) else None
        if status not in ("active", "suspended", "canceled"):
            raise ProviderUnreachable("Your provider gave an answer we do not understand.")
        return str(status)
