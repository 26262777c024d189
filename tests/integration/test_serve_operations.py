"""`subdesk serve --workers 2` and `subdesk worker --metrics-port` as an operator runs them:
one scrape reports both API processes, the worker reports its own, and every log line is
JSON with no secret in it."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx2
import pytest
from prometheus_client.parser import text_string_to_metric_families

from subdesk.catalog.demo import seed_catalog
from subdesk.config import Settings
from subdesk.context import Work
from subdesk.db import Database
from subdesk.migrate import upgrade
from subdesk.runtime import build_runtime
from tests.conftest import TEST_SIGNING_SEED
from tests.factories import PASSWORD, customer, subscribe

KEY = "sdop_two-workers-operator-key"
CARD = "4242424242424242"
Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'subdesk.db'}"
    upgrade(url)
    settings = Settings(database_url=url, signing_key=TEST_SIGNING_SEED, sandbox_ledger=None)
    database = Database(url)
    with database.transaction() as session:
        seed_catalog(Work(session, build_runtime(settings)))
    database.dispose()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SUBDESK_", "PROMETHEUS"))}
    env.update(
        SUBDESK_DATABASE_URL=url,
        SUBDESK_SIGNING_KEY=TEST_SIGNING_SEED,
        SUBDESK_SANDBOX_LEDGER=str(tmp_path / "ledger.db"),
        SUBDESK_SANDBOX_CLOCK="true",
        SUBDESK_OPERATOR_KEY_SHA256=hashlib.sha256(KEY.encode()).hexdigest(),
        SUBDESK_DEVICE_REQUESTS_PER_MINUTE="100000",
        SUBDESK_SIGN_IN_ATTEMPTS_PER_MINUTE="100000",
        SUBDESK_SMTP_PORT=str(_free_port()),  # nobody listens: emails wait in the outbox
        PROMETHEUS_MULTIPROC_DIR=str(tmp_path / "metrics"),
    )
    return env


@pytest.fixture
def served(environment: dict[str, str], tmp_path: Path) -> Iterator[tuple[str, Path]]:
    port = _free_port()
    log = tmp_path / "serve.log"
    command = [sys.executable, "-m", "subdesk.cli", "serve", "--workers", "2"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--no-auto-migrate"]
    with log.open("wb") as err:
        server = subprocess.Popen(command, env=environment, cwd=tmp_path, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{base}/readyz")
        yield base, log
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def _wait_for(url: str, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx2.get(url, timeout=2).status_code == 200:
                return
        except httpx2.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


def _scrape(url: str, headers: dict[str, str] | None = None) -> Samples:
    answer = httpx2.get(url, headers=headers, timeout=10)
    assert answer.status_code == 200, answer.text
    samples: Samples = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            samples.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def _total(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for k, v in samples.get(name, {}).items() if wanted <= set(k))


def test_two_api_processes_report_together_and_log_json_without_secrets(
    served: tuple[str, Path], environment: dict[str, str], tmp_path: Path
) -> None:
    base, log = served
    with httpx2.Client(base_url=base, timeout=10) as client:
        alice, bob = customer(client, card=CARD), customer(client, card=CARD)
        kept = subscribe(client, alice, "av1-year-usd")
        canceled = subscribe(client, bob, "av1-year-usd")
        device = {"fingerprint": "device-fp-1", "name": "PC 1", "platform": "windows"}
        body = {"subscription_id": kept["id"], "device": device}
        token = client.post("/api/v1/licenses/activate", json=body, headers=alice.headers)
        assert token.status_code == 201, token.text
        bearer = {"Authorization": f"Bearer {token.json()['device_token']}"}
        for _ in range(5):
            assert client.post("/api/v1/licenses/check-in", headers=bearer).status_code == 200
        cancel = {"when": "now", "reason": "too expensive"}
        path = f"/api/v1/subscriptions/{canceled['id']}/cancel"
        assert client.post(path, json=cancel, headers=bob.headers).status_code == 200
        traced = client.get("/api/v1/plans", headers={"X-Request-ID": "trace-two-workers"})
        assert traced.headers["X-Request-ID"] == "trace-two-workers"
    # Forty more, each on a connection of its own, so that both processes answer some.
    with ThreadPoolExecutor(8) as pool:
        codes = list(pool.map(lambda _: httpx2.get(f"{base}/api/v1/plans").status_code, range(40)))
    assert codes == [200] * 40

    samples = _scrape(f"{base}/metrics", {"Authorization": f"Bearer {KEY}"})
    pids = {p.stem.rsplit("_", 1)[1] for p in (tmp_path / "metrics").glob("counter_*.db")}
    assert len(pids) >= 2  # two processes counted; the one scrape added both up
    plans = _total(samples, "subdesk_http_requests_total", route="/api/v1/plans", status="200")
    assert plans == 1 + 2 + 40  # the traced one, one per subscribe, the forty
    assert _total(samples, "subdesk_http_request_duration_seconds_count") >= plans
    assert _total(samples, "subdesk_license_check_ins_total", code="ACTIVE") == 5
    assert _total(samples, "subdesk_charges_total", outcome="succeeded", currency="USD") == 2
    assert _total(samples, "subdesk_refunds_total", outcome="succeeded", currency="USD") == 1
    assert _total(samples, "subdesk_outbox_emails_backlog") >= 3  # receipts, a cancellation
    assert _total(samples, "subdesk_payment_attempts", state="pending") == 0
    assert _total(samples, "subdesk_emails_failed") == 0
    assert _total(samples, "subdesk_worker_lag_seconds") == 0
    assert "subdesk_cases_open" in samples
    assert "subdesk_webhook_deliveries_oldest_age_seconds" in samples

    # A year on, the worker renews the one left, and says so on its own port.
    clock = [sys.executable, "-m", "subdesk.cli", "clock", "advance", "366d"]
    subprocess.run(clock, env=environment, cwd=tmp_path, check=True, capture_output=True)
    # Each server process reads the sandbox clock's offset again at most once a second.
    for _ in range(100):
        lagging = _scrape(f"{base}/metrics", {"Authorization": f"Bearer {KEY}"})
        if _total(lagging, "subdesk_worker_lag_seconds") > 0:
            break
        time.sleep(0.1)
    assert _total(lagging, "subdesk_worker_lag_seconds") > 0
    worker_samples = _run_worker(environment, tmp_path)
    assert _total(worker_samples, "subdesk_renewals_total", outcome="renewed") == 1
    assert _total(worker_samples, "subdesk_charges_total", outcome="succeeded") == 1
    assert _total(worker_samples, "subdesk_worker_last_pass_timestamp_seconds") > time.time() - 60

    text = log.read_text() + (tmp_path / "worker.log").read_text()
    lines = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert any(line.get("request_id") == "trace-two-workers" for line in lines)
    assert {"uvicorn.error", "subdesk.requests", "subdesk.worker"} <= {
        line["logger"] for line in lines
    }
    secrets = [PASSWORD, CARD, KEY, token.json()["device_token"]]
    secrets += [who.headers["Authorization"].split()[1] for who in (alice, bob)]
    for secret in secrets:
        assert secret not in text


def _run_worker(environment: dict[str, str], tmp_path: Path) -> Samples:
    port = _free_port()
    command = [sys.executable, "-m", "subdesk.cli", "worker", "--metrics-port", str(port)]
    with (tmp_path / "worker.log").open("wb") as err:
        worker = subprocess.Popen(command + ["--poll", "0.5"], env=environment, cwd=tmp_path,
                                  stderr=err, stdout=subprocess.DEVNULL)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                samples = _scrape(f"http://127.0.0.1:{port}/metrics")
                if _total(samples, "subdesk_worker_last_pass_timestamp_seconds") > 0:
                    return samples
            except httpx2.HTTPError:
                pass
            time.sleep(0.3)
        raise AssertionError("the worker never reported a pass")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
