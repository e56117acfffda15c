from __future__ import annotations

from django.http import HttpRequest, JsonResponse

from core.api.exception_handler import error_body


def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown paths under /api/ answer JSON, like every other API error."""
    return JsonResponse(error_body(f"No API endpoint at {request.path}.", "not_found"), status=404)
