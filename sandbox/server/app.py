"""The ASGI application: Kalshi's REST and WebSocket API plus the sandbox admin API."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, WebSocketRoute

from sandbox.engine import errors
from sandbox.server.admin_api import ADMIN_ROUTES
from sandbox.server.http import error_body, json_response
from sandbox.server.rest import ROUTES
from sandbox.server.runtime import Runtime
from sandbox.server.ws import WS_PATH, websocket_endpoint

API_PREFIX = "/trade-api/v2"
ADMIN_PREFIX = "/sandbox-admin/v1"


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unknown paths and wrong methods answer JSON, never HTML (API.md §5 body shape)."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    if status == 404:
        return json_response(
            error_body(errors.NOT_FOUND, "not found", f"no endpoint at {request.url.path}"), 404
        )
    if status == 405:
        return json_response(error_body("method_not_allowed", f"{request.method} is not allowed here"), 405)
    return json_response(error_body(errors.INTERNAL_ERROR, "internal server error"), status)


def create_app(runtime: Runtime, admin_token: str) -> Starlette:
    """The app for one runtime; the admin API is disabled when `admin_token` is empty."""
    app = Starlette(
        routes=[
            Mount(API_PREFIX, routes=ROUTES),
            WebSocketRoute(WS_PATH, websocket_endpoint),
            Mount(ADMIN_PREFIX, routes=ADMIN_ROUTES),
        ],
        exception_handlers={HTTPException: _http_error, 500: _http_error},
    )
    app.state.runtime = runtime
    app.state.admin_token = admin_token
    return app
