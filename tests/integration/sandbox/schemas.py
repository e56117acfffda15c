"""JSON-Schema validation of sandbox responses against Kalshi's OpenAPI fragments and AsyncAPI file.

OpenAPI 3.0 schemas become JSON Schema: `nullable: true` admits null (also beside `$ref`/`allOf`),
and every object that lists its properties gets `additionalProperties: false`, so a misspelled
or invented field fails too. Error bodies are checked as `{"error": ErrorResponse}` (§15.4), 429
as exactly `{"error": "too many requests"}`.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from functools import cache
from typing import Any

import jsonschema
import yaml

from tests.shared_spec import FRAGMENTS, KALSHI_DIR

_SKIP_KEYS = {"example", "examples", "description", "deprecated", "x-enum-varnames", "format"}

_format_checker = jsonschema.FormatChecker()


@_format_checker.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not re.match(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$", value):
        raise ValueError(f"not RFC 3339: {value}")
    dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


def _convert(node: Any, strict: bool) -> Any:
    """OpenAPI 3.0 schema -> JSON Schema (draft 2020-12)."""
    if isinstance(node, list):
        return [_convert(item, strict) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-") or key in _SKIP_KEYS or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: _convert(schema, strict) for name, schema in value.items()}
        else:
            out[key] = _convert(value, strict)
    if node.get("format") == "date-time":
        out["format"] = "date-time"
    if node.get("format") == "uuid":
        out["pattern"] = "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    if strict and out.get("type") == "object" and "properties" in out and "additionalProperties" not in out:
        out["additionalProperties"] = False
    if node.get("nullable"):
        if "$ref" in out or "allOf" in out:
            return {"anyOf": [out, {"type": "null"}]}
        if "type" in out:
            out["type"] = [out["type"], "null"]
        if "enum" in out and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    return out


@cache
def _fragment_index() -> dict[tuple[str, str], tuple[dict[str, Any], dict[str, Any]]]:
    """(METHOD, path template) -> (operation, components) for every fragment."""
    index = {}
    for file in sorted(FRAGMENTS.glob("*.yaml")):
        doc = yaml.safe_load(file.read_text())
        for path, operations in doc["paths"].items():
            for method, operation in operations.items():
                if isinstance(operation, dict) and "responses" in operation:
                    index[(method.upper(), path)] = (operation, doc.get("components", {}))
    return index


def _resolve(node: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        _, _, section, name = node["$ref"].split("/")
        node = components[section][name]
    return node


def check_rest(method: str, path: str, status: int, body: Any) -> None:
    """Validate one REST response against the fragment of `method path` (path template, no prefix)."""
    if status == 429:
        assert body == {"error": "too many requests"}, body
        return
    operation, components = _fragment_index()[(method.upper(), path)]
    if status >= 400:
        assert set(body) == {"error"}, body
        error = body["error"]
        schema = components.get("schemas", {}).get("ErrorResponse", {"type": "object"})
        assert set(error) <= {"code", "message", "details"}, error
        assert isinstance(error.get("code"), str), error
        assert isinstance(error.get("message"), str), error
        jsonschema.validate(error, _convert(schema, strict=True))
        return
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {path} does not document status {status}"
    response = _resolve(response, components)
    schema = response["content"]["application/json"]["schema"]
    root = {**_convert(schema, strict=True), "components": _convert(components, strict=True)}
    jsonschema.Draft202012Validator(root, format_checker=_format_checker).validate(body)


@cache
def _asyncapi_schemas() -> dict[str, Any]:
    doc = yaml.safe_load((KALSHI_DIR / "asyncapi.yaml").read_text())
    components: dict[str, Any] = copy.deepcopy(doc["components"])
    # API.md §15.8: tickers may contain a dot, which the AsyncAPI pattern forgets.
    components["schemas"]["marketTicker"]["pattern"] = r"^[A-Z0-9.\-]+$"
    return components


_WS_PAYLOADS = {
    "subscribed": "subscribedResponsePayload",
    "unsubscribed": "unsubscribedResponsePayload",
    "error": "errorResponsePayload",
    "orderbook_snapshot": "orderbookSnapshotPayload",
    "orderbook_delta": "orderbookDeltaPayload",
    "ticker": "tickerPayload",
    "trade": "tradePayload",
    "fill": "fillPayload",
    "market_position": "marketPositionPayload",
    "market_lifecycle_v2": "marketLifecycleV2Payload",
    "event_lifecycle": "eventLifecyclePayload",
    "user_order": "userOrderPayload",
}


def check_ws(message: dict[str, Any]) -> None:
    """Validate one WebSocket message against its AsyncAPI payload schema."""
    kind = message.get("type")
    if kind == "ok":
        name = (
            "listSubscriptionsResponsePayload"
            if isinstance(message.get("msg"), list)
            else "okResponsePayload"
        )
    else:
        assert kind in _WS_PAYLOADS, f"unexpected WebSocket message type {kind!r}"
        name = _WS_PAYLOADS[kind]
    components = _asyncapi_schemas()
    root = {
        **_convert(components["schemas"][name], strict=True),
        "components": {"schemas": _convert(components["schemas"], strict=True)},
    }
    jsonschema.Draft202012Validator(root, format_checker=_format_checker).validate(message)
