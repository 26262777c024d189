"""The directory where API processes share their metrics (prometheus_client's multi-process
mode), set up and emptied by `subdesk serve` before any process imports prometheus_client."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ENV = "PROMETHEUS_MULTIPROC_DIR"


@contextmanager
def shared_metrics_dir() -> Iterator[Path]:
    """PROMETHEUS_MULTIPROC_DIR if given (emptied of an earlier run's samples, which would
    otherwise count again), else a temporary directory removed afterwards."""
    given = os.environ.get(ENV)
    if given:
        path = Path(given)
        path.mkdir(parents=True, exist_ok=True)
        for stale in path.glob("*.db"):
            stale.unlink()
        yield path
        return
    path = Path(tempfile.mkdtemp(prefix="subdesk-metrics-"))
    os.environ[ENV] = str(path)  # inherited by uvicorn's worker processes
    try:
        yield path
    finally:
        os.environ.pop(ENV, None)
        shutil.rmtree(path, ignore_errors=True)
