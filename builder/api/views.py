"""Thin views for the editor: catalog, templates, bots, drafts, versions, export/import."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpResponse
from django.utils.text import slugify
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from builder import selectors, services
from builder.api.catalog import CatalogOutput
from builder.api.fields import QueryIntegerField, StrictCharField, StrictIntegerField
from builder.diff import graph_diff
from builder.graph.catalog import catalog_json
from builder.graph.schema import MAX_BYTES, canonical_json
from core.errors import ApplicationError

# Room for the JSON around a maximal graph (name, description, revision) in a request body.
MAX_BODY_BYTES = MAX_BYTES + 8_192
# Revisions and version numbers are PostgreSQL integers.
MAX_NUMBER = 2**31 - 1


def _user(request: Request) -> User:
    return cast(User, request.user)


def _limit_body(request: Request) -> None:
    """Refuse oversized bodies with 413 before parsing them."""
    length = int(request.META.get("CONTENT_LENGTH") or 0)
    if length > MAX_BODY_BYTES or len(request.body) > MAX_BODY_BYTES:
        raise ApplicationError(
            f"The request body is larger than {MAX_BODY_BYTES} bytes; a graph may be at most {MAX_BYTES}.",
            code="graph_too_large",
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )


GraphField = serializers.JSONField  # the React Flow document described in builder/graph/README.md


class GraphProblemOutput(serializers.Serializer[Any]):
    node_id = serializers.CharField(
        allow_null=True, help_text="The node to mark, or null for the whole graph."
    )
    port = serializers.CharField(allow_null=True)
    code = serializers.CharField()
    message = serializers.CharField()
    edge_id = serializers.CharField(allow_null=True, required=False, help_text="The edge to mark, if any.")
    param = serializers.CharField(
        allow_null=True, required=False, help_text="The parameter at fault, if any."
    )


def _error_output(name: str, details: serializers.Field[Any, Any, Any, Any] | None = None) -> Any:
    """The error body every endpoint answers with (core's handler): {message, code, details}."""
    return inline_serializer(
        name,
        {
            "message": serializers.CharField(),
            "code": serializers.CharField(),
            "details": details if details is not None else serializers.JSONField(),
        },
    )


InvalidGraphError = _error_output(
    "InvalidGraphError",
    inline_serializer("InvalidGraphDetails", {"errors": GraphProblemOutput(many=True)}),
)
TooLargeError = _error_output("TooLargeError")
InvalidInputError = _error_output("InvalidInputError")


class BotOutput(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    description = serializers.CharField()
    revision = serializers.IntegerField()
    latest_version = serializers.IntegerField(allow_null=True, help_text="Highest published version number.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class BotDetailOutput(BotOutput):
    draft = GraphField()


class VersionOutput(serializers.Serializer[Any]):
    number = serializers.IntegerField()
    content_hash = serializers.CharField()
    notes = serializers.CharField()
    created_by = serializers.EmailField(source="created_by.email", allow_null=True, default=None)
    created_at = serializers.DateTimeField()


class VersionDetailOutput(VersionOutput):
    graph = GraphField()


class CatalogApi(APIView):
    @extend_schema(
        responses={200: CatalogOutput}, tags=["builder"], summary="Node types for the palette and forms"
    )
    def get(self, request: Request) -> Response:
        return Response(catalog_json())


class TemplateOutput(serializers.Serializer[Any]):
    slug = serializers.SlugField()
    title = serializers.CharField()
    description = serializers.CharField()
    category = serializers.CharField()
    graph = GraphField()


class TemplateListApi(APIView):
    @extend_schema(responses={200: TemplateOutput(many=True)}, tags=["builder"])
    def get(self, request: Request) -> Response:
        return Response(TemplateOutput(selectors.template_list(), many=True).data)


class TemplateInstantiateApi(APIView):
    @extend_schema(request=None, responses={201: BotDetailOutput}, tags=["builder"])
    def post(self, request: Request, slug: str) -> Response:
        bot = services.template_instantiate(user=_user(request), slug=slug)
        return Response(
            BotDetailOutput(selectors.bot_get(user=_user(request), bot_id=bot.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class BotCreateInput(serializers.Serializer[Any]):
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    graph = GraphField(required=False, default=None)


class BotUpdateInput(serializers.Serializer[Any]):
    name = StrictCharField(max_length=200, required=False)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True)


class BotListCreateApi(APIView):
    @extend_schema(responses={200: BotOutput(many=True)}, tags=["builder"])
    def get(self, request: Request) -> Response:
        return Response(BotOutput(selectors.bot_list(user=_user(request)), many=True).data)

    @extend_schema(request=BotCreateInput, responses={201: BotDetailOutput}, tags=["builder"])
    def post(self, request: Request) -> Response:
        _limit_body(request)
        data = BotCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        bot = services.bot_create(owner=_user(request), **data.validated_data)
        return Response(
            BotDetailOutput(selectors.bot_get(user=_user(request), bot_id=bot.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class BotDetailApi(APIView):
    @extend_schema(responses={200: BotDetailOutput}, tags=["builder"])
    def get(self, request: Request, bot_id: int) -> Response:
        return Response(BotDetailOutput(selectors.bot_get(user=_user(request), bot_id=bot_id)).data)

    @extend_schema(request=BotUpdateInput, responses={200: BotDetailOutput}, tags=["builder"])
    def patch(self, request: Request, bot_id: int) -> Response:
        data = BotUpdateInput(data=request.data)
        data.is_valid(raise_exception=True)
        bot = services.bot_update(user=_user(request), bot_id=bot_id, **data.validated_data)
        return Response(BotDetailOutput(bot).data)

    @extend_schema(responses={204: None}, tags=["builder"])
    def delete(self, request: Request, bot_id: int) -> Response:
        services.bot_delete(user=_user(request), bot_id=bot_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class BotDuplicateApi(APIView):
    @extend_schema(request=None, responses={201: BotDetailOutput}, tags=["builder"])
    def post(self, request: Request, bot_id: int) -> Response:
        bot = services.bot_duplicate(user=_user(request), bot_id=bot_id)
        return Response(
            BotDetailOutput(selectors.bot_get(user=_user(request), bot_id=bot.pk)).data,
            status=status.HTTP_201_CREATED,
        )


class DraftInput(serializers.Serializer[Any]):
    graph = GraphField()
    revision = StrictIntegerField(
        min_value=1, max_value=MAX_NUMBER, help_text="The revision this draft was edited from."
    )


class DraftSaveApi(APIView):
    @extend_schema(
        request=DraftInput,
        responses={
            200: inline_serializer("DraftSaved", {"revision": serializers.IntegerField()}),
            409: _error_output(
                "StaleRevision",
                inline_serializer("StaleRevisionDetails", {"current_revision": serializers.IntegerField()}),
            ),
        },
        tags=["builder"],
        description="Save the draft. A stale `revision` (someone saved since) answers 409 with the current one.",
    )
    def put(self, request: Request, bot_id: int) -> Response:
        _limit_body(request)
        data = DraftInput(data=request.data)
        data.is_valid(raise_exception=True)
        revision = services.bot_draft_save(user=_user(request), bot_id=bot_id, **data.validated_data)
        return Response({"revision": revision})


class ValidateInput(serializers.Serializer[Any]):
    graph = GraphField(required=False, help_text="Validate this graph instead of the saved draft.")


class BotValidateApi(APIView):
    @extend_schema(
        request=ValidateInput,
        responses={
            200: inline_serializer(
                "ValidationResult",
                {"valid": serializers.BooleanField(), "errors": GraphProblemOutput(many=True)},
            )
        },
        tags=["builder"],
    )
    def post(self, request: Request, bot_id: int) -> Response:
        _limit_body(request)
        bot = selectors.bot_get(user=_user(request), bot_id=bot_id)
        data = ValidateInput(data=request.data)
        data.is_valid(raise_exception=True)
        graph = data.validated_data.get("graph", bot.draft)
        errors = services.graph_validate(graph=graph)
        return Response({"valid": not errors, "errors": errors})


class PublishInput(serializers.Serializer[Any]):
    notes = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class BotPublishApi(APIView):
    @extend_schema(
        request=PublishInput,
        responses={
            201: VersionDetailOutput,
            400: OpenApiResponse(
                InvalidGraphError,
                description="The draft is not valid (code `invalid_graph`): `details.errors` lists every "
                "problem, as validate does. Bad `notes` answer 400 `invalid` naming the field.",
            ),
        },
        tags=["builder"],
    )
    def post(self, request: Request, bot_id: int) -> Response:
        data = PublishInput(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.bot_publish(user=_user(request), bot_id=bot_id, notes=data.validated_data["notes"])
        return Response(VersionDetailOutput(version).data, status=status.HTTP_201_CREATED)


class VersionListApi(APIView):
    @extend_schema(responses={200: VersionOutput(many=True)}, tags=["builder"])
    def get(self, request: Request, bot_id: int) -> Response:
        versions = selectors.version_list(user=_user(request), bot_id=bot_id).select_related("created_by")
        return Response(VersionOutput(versions, many=True).data)


class VersionDetailApi(APIView):
    @extend_schema(responses={200: VersionDetailOutput}, tags=["builder"])
    def get(self, request: Request, bot_id: int, number: int) -> Response:
        version = selectors.version_get(user=_user(request), bot_id=bot_id, number=number)
        return Response(VersionDetailOutput(version).data)


class VersionDiffApi(APIView):
    @extend_schema(
        responses={
            200: inline_serializer(
                "VersionDiff",
                {
                    "from_version": serializers.IntegerField(),
                    "to_version": serializers.IntegerField(),
                    "nodes_added": serializers.ListField(child=serializers.JSONField()),
                    "nodes_removed": serializers.ListField(child=serializers.JSONField()),
                    "nodes_changed": serializers.ListField(child=serializers.JSONField()),
                    "edges_added": serializers.ListField(child=serializers.JSONField()),
                    "edges_removed": serializers.ListField(child=serializers.JSONField()),
                },
            )
        },
        tags=["builder"],
        description="How version `b` differs from version `a` (node positions are ignored).",
    )
    def get(self, request: Request, bot_id: int, a: int, b: int) -> Response:
        before = selectors.version_get(user=_user(request), bot_id=bot_id, number=a)
        after = selectors.version_get(user=_user(request), bot_id=bot_id, number=b)
        return Response({"from_version": a, "to_version": b} | graph_diff(before.graph, after.graph))


class BotExportDocument(serializers.Serializer[Any]):
    """The export file; also the import input (what the service gets is checked here)."""

    format = StrictCharField(help_text=f'Always "{services.EXPORT_FORMAT}".')
    format_version = StrictIntegerField(help_text=f"Exactly {services.EXPORT_FORMAT_VERSION} (an integer).")
    name = StrictCharField(max_length=200)
    description = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")
    graph = serializers.JSONField(help_text="The graph: nodes and edges, as the draft endpoint takes it.")

    def validate_format(self, value: str) -> str:
        if value != services.EXPORT_FORMAT:
            raise serializers.ValidationError(f"Must be {services.EXPORT_FORMAT!r}.")
        return value

    def validate_format_version(self, value: int) -> int:
        if value != services.EXPORT_FORMAT_VERSION:
            raise serializers.ValidationError(f"Must be {services.EXPORT_FORMAT_VERSION}.")
        return value


class ExportQuery(serializers.Serializer[Any]):
    version = QueryIntegerField(
        min_value=1,
        max_value=MAX_NUMBER,
        required=False,
        help_text="Export this version instead of the draft.",
    )


class BotExportApi(APIView):
    @extend_schema(
        parameters=[ExportQuery],
        responses={
            200: BotExportDocument,
            400: OpenApiResponse(InvalidInputError, description="`version` is not a version number."),
        },
        tags=["builder"],
        description="The bot as a JSON file (draft by default); `POST /bots/import/` reads it back.",
    )
    def get(self, request: Request, bot_id: int) -> HttpResponse:
        bot = selectors.bot_get(user=_user(request), bot_id=bot_id)
        query = ExportQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        number = query.validated_data.get("version")
        if number is None:
            graph = bot.draft
        else:
            graph = selectors.version_get(user=_user(request), bot_id=bot_id, number=number).graph
        response = HttpResponse(
            canonical_json(services.bot_export(bot=bot, graph=graph)), content_type="application/json"
        )
        filename = f"{slugify(bot.name) or 'bot'}.kbot.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


class BotImportApi(APIView):
    @extend_schema(
        request=BotExportDocument,
        responses={
            201: BotDetailOutput,
            400: OpenApiResponse(
                InvalidInputError,
                description="Not a bot export (`invalid_export`: `format` or `format_version` is wrong, "
                "`details` names it), a bad `name`/`description`/`graph` (`invalid`, `details` names the "
                "field), or an invalid graph (`invalid_graph`, `details.errors` lists every problem as "
                "validate does).",
            ),
            413: OpenApiResponse(
                TooLargeError,
                description=f"The body is over {MAX_BODY_BYTES} bytes or the graph over {MAX_BYTES} "
                "(`graph_too_large`).",
            ),
        },
        tags=["builder"],
    )
    def post(self, request: Request) -> Response:
        _limit_body(request)
        document = BotExportDocument(data=request.data)
        if not document.is_valid():
            errors = dict(document.errors)
            # Not an object, or not our format: a different code from a bad field of a real export.
            wrong_file = [key for key in ("non_field_errors", "format", "format_version") if key in errors]
            if wrong_file:
                raise ApplicationError(
                    f"Not a bot export file: {wrong_file[0]}: {errors[wrong_file[0]][0]}",
                    code="invalid_export",
                    details=errors,
                )
            raise serializers.ValidationError(errors)  # 400 "invalid", naming each field
        data = document.validated_data
        bot = services.bot_import(
            user=_user(request), name=data["name"], description=data["description"], graph=data["graph"]
        )
        return Response(
            BotDetailOutput(selectors.bot_get(user=_user(request), bot_id=bot.pk)).data,
            status=status.HTTP_201_CREATED,
        )
