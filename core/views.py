from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import ensure_csrf_cookie


@ensure_csrf_cookie
def editor_index(request: HttpRequest) -> HttpResponse:
    """The built editor (frontend/dist/index.html); it reads the CSRF cookie for its API calls."""
    index = settings.FRONTEND_DIST / "index.html"
    if not index.exists():
        return HttpResponse(
            "The editor is not built yet: run `make frontend` (or `make demo`).",
            status=503,
            content_type="text/plain",
        )
    return HttpResponse(index.read_text(), content_type="text/html; charset=utf-8")
