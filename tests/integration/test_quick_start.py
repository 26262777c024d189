"""Acceptance 1: the quick start's commands migrate, load the demo, and serve the plans."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx2

SUBDESK = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"


def _env() -> dict[str, str]:
    """The environment of a new user: no SUBDESK_* settings, so the SQLite default applies."""
    return {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_help_explains_every_command(tmp_path: Path) -> None:
    result = subprocess.run(
        [SUBDESK, "--help"], cwd=tmp_path, env=_env(), capture_output=True, text=True, check=True
    )
    for command in ("serve", "migrate", "demo"):
        assert command in result.stdout


def test_demo_is_repeatable_and_serve_lists_the_plans_on_sqlite(tmp_path: Path) -> None:
    env = _env()
    for _ in range(2):
        subprocess.run([SUBDESK, "demo"], cwd=tmp_path, env=env, capture_output=True, check=True)
    assert (tmp_path / "var" / "subdesk.db").exists()
    port = _free_port()
    server = subprocess.Popen(
        [SUBDESK, "serve", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        plans = _get_when_up(f"http://127.0.0.1:{port}/api/v1/plans")
    finally:
        server.terminate()
        server.wait(timeout=15)
    codes = {p["code"] for p in plans}
    assert {"av1-month-usd", "av1-year-usd", "suite3-year-usd", "total5-year-eur"} <= codes
    assert any(p["trial_days"] == 30 for p in plans)
    assert {p["renewal_price"]["currency"] for p in plans} == {"USD", "EUR"}


def _get_when_up(url: str) -> list[dict[str, object]]:
    deadline = time.monotonic() + 30
    while True:
        try:
            response = httpx2.get(url, timeout=5)
            response.raise_for_status()
            result: list[dict[str, object]] = response.json()
            return result
        except httpx2.HTTPError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
