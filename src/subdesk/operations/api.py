"""GET /healthz (the process is up), /readyz (it can serve) and /metrics (Prometheus)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from subdesk import __version__
from subdesk.http import Bearer, database_of, require_operator, runtime_of
from subdesk.operations import health, metrics
from subdesk.operations.gauges import DatabaseGauges

router = APIRouter(tags=["operations"])


@router.get("/healthz")
def healthz() -> dict[str, str]:
    """The process is up and answering; the database is not asked (see /readyz)."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", responses={503: {"description": "Database away or not migrated"}})
def readyz(request: Request) -> dict[str, str | None]:
    """Ready to serve: the database answers and its schema is at the migrations' head."""
    ready = health.check_ready(database_of(request))
    return {"status": "ready", "version": __version__, "revision": ready.revision}


@router.get("/metrics", response_class=Response)
def prometheus_metrics(request: Request, bearer: Bearer) -> Response:
    """Prometheus text format for every API process, and the database's backlogs read now;
    `Authorization: Bearer <operator key>`."""
    require_operator(request, bearer)
    gauges = DatabaseGauges(database_of(request), runtime_of(request).clock)
    return Response(metrics.exposition([gauges]), media_type=metrics.CONTENT_TYPE)
