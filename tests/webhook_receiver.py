"""A webhook receiver on loopback that verifies signatures with the standardwebhooks library."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook


@dataclass
class Received:
    verified: list[dict[str, Any]] = field(default_factory=list)
    rejected: int = 0
    failures_left: int = 0  # answer 500 this many times first


class Receiver:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.received = Received()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers["content-length"]))
                if receiver.received.failures_left > 0:
                    receiver.received.failures_left -= 1
                    self.send_response(500)
                    self.end_headers()
                    return
                try:
                    assert receiver.secret is not None
                    payload = Webhook(receiver.secret).verify(body, dict(self.headers.items()))
                except Exception:
                    receiver.received.rejected += 1
                    self.send_response(400)
                    self.end_headers()
                    return
                receiver.received.verified.append(payload)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hooks"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
