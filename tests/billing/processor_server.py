"""The sandbox processor on a free loopback port, served by uvicorn in a background thread."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import httpx2 as httpx
import uvicorn

from subdesk.billing.processor.app import create_processor_app
from subdesk.billing.processor.faults import Faults


class ProcessorServer:
    def __init__(self, faults: Faults | None = None) -> None:
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_processor_app(faults),
            log_level="warning",
            lifespan="off",
            ws="none",
            http="h11",
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, args=([self._socket],))

    def start(self) -> ProcessorServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the sandbox processor did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    def control(self, path: str, body: dict[str, Any] | None = None) -> Any:
        """POST (with a body or none) or GET a `/_sandbox` control endpoint."""
        with httpx.Client(base_url=self.url, timeout=10) as client:
            if body is None and path in ("stats", "config", "payments"):
                response = client.get(f"/_sandbox/{path}")
            else:
                response = client.post(f"/_sandbox/{path}", json=body or {})
        response.raise_for_status()
        return response.json()
