"""The portal served by a real uvicorn on loopback and driven by Debian's Chromium (Playwright).

Browser tests run on SQLite only: what they prove is the pages, not the storage.
Without Chromium they fail under CI (which installs it through scripts/test) and skip
elsewhere.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import Browser, ConsoleMessage, Page, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def backend() -> str:
    """Overrides the suite's backend parameter: the browser tests run on SQLite alone."""
    return "sqlite"


def _started(server: uvicorn.Server, thread: threading.Thread) -> bool:
    # Waits for uvicorn to bind, or for its thread to die; no timing is asserted.
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    return server.started


@pytest.fixture
def serve() -> Iterator[Callable[[FastAPI], str]]:
    """Serves an app with a real uvicorn on a free loopback port; returns its base URL."""
    running: list[tuple[uvicorn.Server, threading.Thread, socket.socket]] = []

    def start(app: FastAPI) -> str:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        config = uvicorn.Config(
            app, log_level="warning", access_log=False, ws="none", timeout_graceful_shutdown=5
        )
        server = uvicorn.Server(config)
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
        thread.start()
        running.append((server, thread, sock))
        assert _started(server, thread), "uvicorn did not start"
        return f"http://127.0.0.1:{sock.getsockname()[1]}"

    yield start
    for server, thread, sock in running:
        server.should_exit = True
        thread.join()
        sock.close()


@pytest.fixture
def base_url(app: FastAPI, serve: Callable[[FastAPI], str]) -> str:
    """The whole subdesk app (demo catalog, test clock, loopback SMTP) served for one test."""
    return serve(app)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: the browser tests need Debian's chromium package"
        if os.environ.get("CI"):
            pytest.fail(message + " (scripts/test installs it when run as root)")
        pytest.skip(message)
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield chromium
    chromium.close()
    playwright.stop()


@pytest.fixture
def new_page(browser: Browser, base_url: str) -> Iterator[Callable[..., Page]]:
    """Opens a page in a fresh browser context (no cookies) of the given size and language;
    any Content-Security-Policy violation on it fails the test."""
    contexts = []
    violations: list[str] = []

    def watch(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            violations.append(message.text)

    def open_page(
        viewport: dict[str, int] = DESKTOP, locale: str = "en-US", javascript: bool = True
    ) -> Page:
        context = browser.new_context(
            base_url=base_url, viewport=viewport, locale=locale, java_script_enabled=javascript
        )
        contexts.append(context)
        opened = context.new_page()
        opened.on("console", watch)
        return opened

    yield open_page
    for context in contexts:
        context.close()
    assert violations == [], violations


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A fresh desktop page, 1280×800."""
    return new_page(DESKTOP)


@pytest.fixture
def phone_page(new_page: Callable[..., Page]) -> Page:
    """A fresh phone page, 390×844."""
    return new_page(PHONE)
