"""create_app(): the FastAPI application with its routers, middleware and error handlers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.exceptions import HTTPException as StarletteHTTPException

from subdesk import __version__
from subdesk.accounts.api import router as accounts_router
from subdesk.accounts.passwords import limit_hashes_at_once
from subdesk.after_answer import AfterAnswer
from subdesk.agent.api import router as agent_api_router
from subdesk.agent.app import install_agent
from subdesk.agent.errors import console_error_page, is_console
from subdesk.billing.api import router as billing_router
from subdesk.billing.events_api import router as processor_events_router
from subdesk.body_limit import BodyLimit
from subdesk.catalog.api import router as catalog_router
from subdesk.channels.partners.api import router as partners_router
from subdesk.channels.stores.api import router as stores_router
from subdesk.config import Settings
from subdesk.context import Runtime
from subdesk.db import Database
from subdesk.errors import InvalidRequest, SubdeskError
from subdesk.hygiene import RequestHygiene
from subdesk.licensing.api import router as licensing_router
from subdesk.licensing.fast_route import CheckInFastPath
from subdesk.notifications.api import router as webhooks_router
from subdesk.operations import health
from subdesk.operations.api import router as operations_router
from subdesk.operations.logging import current_request_id
from subdesk.operations.requests import RequestTelemetry
from subdesk.portal import pages
from subdesk.portal.app import install_portal
from subdesk.portal.pages import API_PREFIXES, is_page
from subdesk.ratelimit import (
    DeclarationLimiter,
    Limiter,
    PasswordResetLimiter,
    SignInLimiter,
    SignUpLimiter,
)
from subdesk.runtime import build_runtime
from subdesk.sandbox_api import router as sandbox_router
from subdesk.security_headers import SecurityHeaders, docs_policies
from subdesk.subscriptions.api import router as subscriptions_router
from subdesk.trust.api import admin as trust_admin_router
from subdesk.trust.api import router as trust_router

log = logging.getLogger("subdesk")

DESCRIPTION = """The subscription desk: plans, honest auto-renewal, click-to-cancel,
refunds under the money-back guarantee, and signed receipts anyone can verify.

Errors are `{"error": {"code", "message", "field"}}` with a 4xx status. Money is
`{"amount": <minor units>, "currency": "<ISO 4217>"}`. Operations that move money or
change a subscription honour an `Idempotency-Key` header."""


def create_app(
    settings: Settings | None = None,
    *,
    runtime: Runtime | None = None,
    database: Database | None = None,
) -> FastAPI:
    settings = settings or (runtime.settings if runtime else Settings())
    app = FastAPI(title="subdesk", version=__version__, description=DESCRIPTION)
    app.state.database = database or Database(settings.database_url)
    app.state.runtime = runtime or build_runtime(settings, database=app.state.database)
    app.state.sign_in_limiter = SignInLimiter(settings.sign_in_attempts_per_minute)
    app.state.sign_up_limiter = SignUpLimiter(settings.sign_ups_per_minute)
    app.state.password_reset_limiter = PasswordResetLimiter(settings.password_resets_per_minute)
    limit_hashes_at_once(settings.password_hashes_at_once)
    app.state.declaration_limiter = DeclarationLimiter(settings.declarations_per_minute)
    app.state.device_limiter = Limiter(
        "device", settings.device_requests_per_minute, fixed_window=True
    )
    app.state.device_address_limiter = Limiter(
        "device-ip", settings.device_address_requests_per_minute, fixed_window=True
    )
    app.state.trust_check_limiter = Limiter("trust-check", settings.trust_checks_per_minute)
    app.state.trust_report_limiter = Limiter("trust-report", settings.trust_reports_per_minute)
    for router in (
        accounts_router,
        catalog_router,
        billing_router,
        processor_events_router,
        subscriptions_router,
        licensing_router,
        partners_router,
        stores_router,
        webhooks_router,
        trust_router,
        trust_admin_router,
        agent_api_router,
        sandbox_router,
        operations_router,
    ):
        app.include_router(router)
    _install_error_handlers(app)
    install_agent(app)
    install_portal(app, app.state.runtime)
    app.add_middleware(RequestHygiene, error_page=error_page, api_prefixes=API_PREFIXES)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestTelemetry)
    app.add_middleware(AfterAnswer)  # what waits for the answer is not counted in its time
    app.add_middleware(CheckInFastPath)  # the hot path skips the rest
    app.add_middleware(  # outermost: every answer carries the browser protections
        SecurityHeaders,
        https=settings.public_url.startswith("https://"),
        docs=docs_policies(app),
    )
    return app


def error_page(request: Request, status: int, error: SubdeskError | None = None) -> Response:
    """What went wrong and where to go next, styled for whoever was looking: under /agent in
    the console's layout, elsewhere the portal's."""
    if is_console(request):
        return console_error_page(request, status, error)
    return pages.error_page(request, status, error)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(SubdeskError)
    async def subdesk_error(request: Request, exc: SubdeskError) -> Response:
        if is_page(request):
            return error_page(request, exc.status, exc)
        return _refusal(request, exc)

    @app.exception_handler(SQLAlchemyError)
    async def database_error(request: Request, exc: SQLAlchemyError) -> Response:
        if health.is_outage(exc):
            log.warning("database unavailable: %s", type(exc).__name__)
            return _refusal(request, health.outage())
        raise exc  # a bug, not an outage: the last-resort handler below logs it, 500

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "Invalid request."}
        field = ".".join(
            str(part) for part in first["loc"] if part not in ("body", "query", "path", "header")
        )
        message = f"{field}: {first['msg']}" if field else str(first["msg"])
        if is_page(request):
            return error_page(request, 400, InvalidRequest(message, field=field or None))
        body = {"error": {"code": "invalid_request", "message": message, "field": field or None}}
        return JSONResponse(body, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_page(request):
            return error_page(request, exc.status_code)
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        body = {"error": {"code": code, "message": str(exc.detail), "field": None}}
        return JSONResponse(body, status_code=exc.status_code)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        # Here (outside every middleware) too: a middleware may be the one to reach the
        # database (the portal's sessions).
        if health.is_outage(exc):
            return _with_request_id(_refusal(request, health.outage()))
        return _with_request_id(_unexpected(request, exc))


def _refusal(request: Request, exc: SubdeskError) -> Response:
    retry_after = getattr(exc, "retry_after", None)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    if is_page(request):
        response = error_page(request, exc.status, exc)
        response.headers.update(headers or {})
        return response
    return JSONResponse(exc.as_body(), status_code=exc.status, headers=headers)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error", exc_info=exc)
    if is_page(request):
        return error_page(request, 500)
    body = {
        "error": {
            "code": "internal_error",
            "message": "Something went wrong on our side.",
            "field": None,
        }
    }
    return JSONResponse(body, status_code=500)


def _with_request_id(response: Response) -> Response:
    """Answers from the last-resort handler leave after RequestTelemetry's: the id is added here."""
    request_id = current_request_id()
    if request_id:
        response.headers["X-Request-ID"] = request_id
    return response
