"""The catalog document the editor consumes (builder.graph.catalog_json), described for OpenAPI."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers


class PortTypeOutput(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="bool, number, price, count, duration, money or market.")
    title = serializers.CharField()
    unit = serializers.CharField(help_text="What one unit of the integer value is, e.g. $0.0001 for prices.")
    description = serializers.CharField()


class CategoryOutput(serializers.Serializer[Any]):
    category = serializers.CharField()
    title = serializers.CharField()


class RequiredWhenOutput(serializers.Serializer[Any]):
    param = serializers.CharField()
    equals = serializers.JSONField()


class PortOutput(serializers.Serializer[Any]):
    name = serializers.CharField(help_text="The handle name used in edges (sourceHandle / targetHandle).")
    title = serializers.CharField(required=False)
    description = serializers.CharField(required=False)
    type = serializers.CharField(
        allow_null=True, help_text="The port type; null on a generic port (see `types`)."
    )
    types = serializers.ListField(child=serializers.CharField(), help_text="The types this port can carry.")
    required = serializers.BooleanField(required=False, help_text="Inputs only.")  # type: ignore[assignment]
    required_when = RequiredWhenOutput(
        required=False, allow_null=True, help_text="Inputs only: required only while a param has a value."
    )
    default = serializers.JSONField(required=False, help_text="Inputs only: the value of an unwired input.")


class TypeVariableOutput(serializers.Serializer[Any]):
    types = serializers.ListField(child=serializers.CharField())
    param = serializers.CharField(
        allow_null=True,
        help_text="The param that picks the generic ports' type; null when the inputs decide it.",
    )


class NodeTypeOutput(serializers.Serializer[Any]):
    type = serializers.CharField(help_text="Stable identifier saved in graphs.")
    version = serializers.IntegerField(help_text="Behaviour version; saved graphs keep theirs.")
    latest = serializers.BooleanField(help_text="Whether this is the version new nodes get.")
    title = serializers.CharField()
    category = serializers.CharField()
    help = serializers.CharField()
    inputs = PortOutput(many=True)
    outputs = PortOutput(many=True)
    type_variable = TypeVariableOutput(allow_null=True, help_text="Set on generic nodes.")
    params = serializers.JSONField(help_text="JSON Schema (object) of the node's parameters, with defaults.")
    market_dependent = serializers.BooleanField(help_text="Must be wired to a market node.")


class CatalogOutput(serializers.Serializer[Any]):
    catalog_version = serializers.IntegerField()
    graph_schema = serializers.IntegerField(
        help_text='The graph document version ("schema") this catalog reads.'
    )
    port_types = PortTypeOutput(many=True)
    categories = CategoryOutput(many=True)
    nodes = NodeTypeOutput(many=True)
