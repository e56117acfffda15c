from __future__ import annotations

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from core.api.views import api_not_found
from core.health import healthz
from core.views import editor_index

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/v1/", include("accounts.api.urls")),
    path("api/v1/", include("builder.api.urls")),
    # Anything else under /api/ is a JSON 404, never Django's HTML page.
    re_path(r"^api/", api_not_found),
    path("", editor_index, name="editor"),
]
