"""Request hygiene before any view runs."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.deprecation import MiddlewareMixin

from core.api.exception_handler import error_body


class ContentLengthMiddleware(MiddlewareMixin):
    """A Content-Length that is not a number is a 400: Django's request.body (and any view that
    reads the header) would otherwise fail with a ValueError, a 500. uvicorn already refuses such
    requests; this covers every other way in (other servers, the test client).

    MiddlewareMixin makes it sync and async capable, so the ASGI stack needs no thread hop for it."""

    def process_request(self, request: HttpRequest) -> HttpResponse | None:
        length = request.META.get("CONTENT_LENGTH")
        if length and not (length.isascii() and length.isdigit()):
            return JsonResponse(
                error_body("The Content-Length header is not a number.", "bad_request"), status=400
            )
        return None
