"""The sandbox test clock moves time for every process: the CLI moves it, the worker renews."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from subdesk.db import Database
from subdesk.models import Payment
from subdesk.sandbox_clock import parse_duration

SUBDESK = shutil.which("subdesk", path=str(Path(sys.executable).parent)) or "subdesk"


def run(args: list[str], env: dict[str, str], cwd: Path) -> str:
    result = subprocess.run(
        [SUBDESK, *args], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_advancing_the_sandbox_clock_lets_the_worker_renew(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")},
        "SUBDESK_DATABASE_URL": database_url,
        "SUBDESK_SANDBOX_CLOCK": "true",
        "SUBDESK_SMTP_PORT": "9",
    }
    run(["demo"], env, tmp_path)  # three customers: annual, annual, a 30-day trial
    run(["worker", "--once"], env, tmp_path)
    before = _renewals(database_url)
    run(["clock", "advance", "31d"], env, tmp_path)
    assert "Sandbox time" in run(["clock", "show"], env, tmp_path)
    run(["worker", "--once"], env, tmp_path)
    assert _renewals(database_url) == before + 1  # the trial converted to paid
    run(["clock", "advance", "366d"], env, tmp_path)
    run(["worker", "--once"], env, tmp_path)
    assert _renewals(database_url) == before + 1 + 2 + 12


def test_the_clock_is_refused_outside_the_sandbox(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SUBDESK_")}
    result = subprocess.run(
        [SUBDESK, "clock", "advance", "1d"],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "sandbox" in result.stdout


@pytest.mark.parametrize("text", ["", "30", "-1d", "1y", "30 days"])
def test_bad_durations_are_refused(text: str) -> None:
    from subdesk.errors import InvalidRequest

    with pytest.raises(InvalidRequest, match="duration like"):
        parse_duration(text)


def _renewals(database_url: str) -> int:
    database = Database(database_url)
    with database.transaction() as session:
        count = session.scalar(
            select(func.count()).select_from(Payment).where(Payment.kind != "proration")
        )
    database.dispose()
    return int(count or 0)
