"""A service provider's status endpoint on loopback, as `Reactivate the service` asks it."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class ProviderServer:
    """Answers `GET /status?external_id=X` with `{"status": <what the test set>}`."""

    def __init__(self) -> None:
        self.statuses: dict[str, str] = {}
        self.asked: list[str] = []
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - the http.server interface
                query = parse_qs(urlparse(self.path).query)
                external_id = query.get("external_id", [""])[0]
                provider.asked.append(external_id)
                body = json.dumps({"status": provider.statuses.get(external_id, "suspended")})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def status_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/status"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
