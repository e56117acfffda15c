"""One renderer for every API error: {"message", "code", "details"} (DESIGN §9)."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import exception_handler

from core.api.parsers import RequestTooLarge
from core.errors import ApplicationError

logger = logging.getLogger(__name__)


def _first_message(detail: Any) -> str:
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    if isinstance(detail, dict) and detail:
        key, value = next(iter(detail.items()))
        inner = _first_message(value)
        return inner if key == "non_field_errors" else f"{key}: {inner}"
    return str(detail)


def error_body(message: str, code: str, details: Any = None) -> dict[str, Any]:
    return {"message": message, "code": code, "details": details if details is not None else {}}


def _render_as_json(context: dict[str, Any]) -> None:
    """Errors are JSON even from views that render something else (the schema's YAML, the docs'
    HTML): DRF renders the error with the renderer it negotiated for the request."""
    request = context.get("request")
    if request is not None:
        request.accepted_renderer = JSONRenderer()
        request.accepted_media_type = JSONRenderer.media_type


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    _render_as_json(context)
    if isinstance(exc, RequestDataTooBig):
        # Django's limit, met when a view reads request.body: the same 413 as the parser's check.
        exc = RequestTooLarge(settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.message, exc.code, exc.details), status=exc.status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        return Response(
            error_body(f"Invalid input: {_first_message(details)}", "invalid", details),
            status=status.HTTP_400_BAD_REQUEST,
        )

    response = exception_handler(exc, context)
    if response is not None and isinstance(exc, exceptions.APIException):
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else "error"
        wait = getattr(exc, "wait", None)
        extra = {"retry_after_seconds": round(wait)} if wait is not None else {}
        response.data = error_body(_first_message(exc.detail), code, extra)
        return response

    # Anything else is our bug: log it with the traceback, answer JSON without one.
    logger.exception("Unhandled API error", exc_info=exc)
    return Response(
        error_body("Internal server error.", "server_error"), status=status.HTTP_500_INTERNAL_SERVER_ERROR
    )
