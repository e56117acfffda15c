from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from core.api.exception_handler import error_body


# It only ever answers 404, so CSRF protects nothing here, and without the exemption an unknown
# POST (a missing trailing slash) would get Django's HTML 403 instead of this JSON 404.
@csrf_exempt
def api_not_found(request: HttpRequest) -> JsonResponse:
    """Unknown paths under /api/ answer JSON, like every other API error."""
    return JsonResponse(error_body(f"No API endpoint at {request.path}.", "not_found"), status=404)
