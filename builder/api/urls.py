from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from builder.api import views

urlpatterns: list[URLPattern | URLResolver] = [
    path("catalog/", views.CatalogApi.as_view(), name="catalog"),
    path("templates/", views.TemplateListApi.as_view(), name="template-list"),
    path(
        "templates/<slug:slug>/instantiate/",
        views.TemplateInstantiateApi.as_view(),
        name="template-instantiate",
    ),
    path("bots/", views.BotListCreateApi.as_view(), name="bot-list"),
    path("bots/import/", views.BotImportApi.as_view(), name="bot-import"),
    path("bots/<int:bot_id>/", views.BotDetailApi.as_view(), name="bot-detail"),
    path("bots/<int:bot_id>/duplicate/", views.BotDuplicateApi.as_view(), name="bot-duplicate"),
    path("bots/<int:bot_id>/draft/", views.DraftSaveApi.as_view(), name="bot-draft"),
    path("bots/<int:bot_id>/validate/", views.BotValidateApi.as_view(), name="bot-validate"),
    path("bots/<int:bot_id>/publish/", views.BotPublishApi.as_view(), name="bot-publish"),
    path("bots/<int:bot_id>/versions/", views.VersionListApi.as_view(), name="version-list"),
    path("bots/<int:bot_id>/versions/<int:number>/", views.VersionDetailApi.as_view(), name="version-detail"),
    path(
        "bots/<int:bot_id>/versions/<int:a>/diff/<int:b>/",
        views.VersionDiffApi.as_view(),
        name="version-diff",
    ),
    path("bots/<int:bot_id>/export/", views.BotExportApi.as_view(), name="bot-export"),
]
