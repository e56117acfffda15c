"""HTTP plumbing shared by the REST handlers: JSON responses, Kalshi error bodies, strict input parsing."""

from __future__ import annotations

import base64
import binascii
import json
import re
from typing import Any, NoReturn

from starlette.requests import Request
from starlette.responses import Response

from sandbox.engine import errors
from sandbox.engine.events import Reject

_encode = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode
TOO_MANY_REQUESTS_BODY = b'{"error":"too many requests"}'  # API.md §8: a string, not an object
MAX_BODY_BYTES = 1 << 20

# A JSON "\uXXXX" escape of a UTF-16 surrogate: json.loads leaves a lone one in the string, which
# cannot be encoded back to UTF-8 (an answer echoing it would fail).
_SURROGATE_ESCAPE_BYTES = re.compile(rb"\\u[dD][89a-fA-F]")
_SURROGATE_ESCAPE_TEXT = re.compile(r"\\u[dD][89a-fA-F]")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiError(Exception):
    """An error answered with Kalshi's wrapped body `{"error": {"code", "message", "details"}}`."""

    def __init__(self, status: int, code: str, message: str, details: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details

    @classmethod
    def from_reject(cls, reject: Reject) -> ApiError:
        """The engine's rejection, with the HTTP status its code maps to (engine.errors)."""
        return cls(errors.HTTP_STATUS.get(reject.code, 400), reject.code, reject.message, reject.details)


def json_response(body: Any, status: int = 200) -> Response:
    """A compact JSON response."""
    return Response(_encode(body), status_code=status, media_type="application/json")


def error_body(code: str, message: str, details: str = "") -> dict[str, Any]:
    """Kalshi's wrapped error body (API.md §15.4); `details` only when there are any."""
    inner: dict[str, str] = {"code": code, "message": message}
    if details:
        inner["details"] = details
    return {"error": inner}


def error_response(error: ApiError) -> Response:
    """The response for an ApiError."""
    return json_response(error_body(error.code, error.message, error.details), error.status)


def too_many_requests() -> Response:
    """429 with the exact body Kalshi sends and no Retry-After header."""
    return Response(TOO_MANY_REQUESTS_BODY, status_code=429, media_type="application/json")


def bad_request(message: str, code: str = errors.INVALID_PARAMETERS, details: str = "") -> NoReturn:
    """Raise a 400."""
    raise ApiError(400, code, message, details)


def _without_lone_surrogates(value: Any) -> Any:
    """Every string of a parsed JSON value with lone surrogates replaced by U+FFFD."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def loads(raw: bytes | str) -> Any:
    """`json.loads`, reading an escaped lone surrogate as U+FFFD, as Kalshi's JSON decoder (Go's
    encoding/json) does: such strings then fail validation or match nothing, never a 500 when an
    answer echoes them. Raises what json.loads raises (ValueError, RecursionError)."""
    value = json.loads(raw)
    pattern = _SURROGATE_ESCAPE_BYTES if isinstance(raw, bytes) else _SURROGATE_ESCAPE_TEXT
    if pattern.search(raw):  # type: ignore[arg-type]  # the pattern matches the input's type
        return _without_lone_surrogates(value)
    return value


async def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object; 400 `invalid_content_type` / `invalid_parameters` otherwise."""
    content_type = request.headers.get("content-type", "")
    if content_type.split(";")[0].strip().lower() != "application/json":
        raise ApiError(400, errors.INVALID_CONTENT_TYPE, "invalid content type", "expected application/json")
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        bad_request("request body too large", details=f"at most {MAX_BODY_BYTES} bytes")
    try:
        body = loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        bad_request("malformed JSON body")
    if not isinstance(body, dict):
        bad_request("the JSON body must be an object")
    return body


def reject_unknown(body: dict[str, Any], allowed: frozenset[str]) -> None:
    """400 for fields the endpoint does not define (strict, so typos are not silently ignored)."""
    unknown = sorted(set(body) - allowed)
    if unknown:
        bad_request("unknown field", details=f"unknown field(s): {', '.join(unknown)}")


def field_str(body: dict[str, Any], name: str, *, required: bool = False, max_length: int = 200) -> str:
    """A string field ("" when absent and optional)."""
    value = body.get(name)
    if value is None:
        if required:
            bad_request(f"{name} is required", details=f"missing field: {name}")
        return ""
    if type(value) is not str:
        bad_request(f"{name} must be a string", details=f"{name}: expected string")
    if len(value) > max_length:
        bad_request(f"{name} is too long", details=f"{name}: at most {max_length} characters")
    return value


def field_bool(body: dict[str, Any], name: str) -> bool:
    """An optional boolean field (false when absent)."""
    value = body.get(name)
    if value is None:
        return False
    if type(value) is not bool:
        bad_request(f"{name} must be a boolean", details=f"{name}: expected boolean")
    return value


def field_int(body: dict[str, Any], name: str, *, minimum: int | None = None) -> int | None:
    """An optional integer field (None when absent)."""
    value = body.get(name)
    if value is None:
        return None
    if type(value) is not int:
        bad_request(f"{name} must be an integer", details=f"{name}: expected integer")
    if minimum is not None and value < minimum:
        bad_request(f"{name} must be at least {minimum}", details=f"{name}: below {minimum}")
    return value


def query_int(request: Request, name: str, default: int, minimum: int, maximum: int) -> int:
    """An integer query parameter within [minimum, maximum]."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        bad_request(f"{name} must be an integer", details=f"{name}={raw!r}")
    if not minimum <= value <= maximum:
        bad_request(f"{name} must be between {minimum} and {maximum}", details=f"{name}={value}")
    return value


def query_optional_int(request: Request, name: str) -> int | None:
    """An optional integer query parameter."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        bad_request(f"{name} must be an integer", details=f"{name}={raw!r}")


def query_bool(request: Request, name: str) -> bool:
    """A boolean query parameter (`true`/`false`)."""
    raw = request.query_params.get(name)
    if raw is None or raw == "":
        return False
    if raw.lower() not in ("true", "false", "1", "0"):
        bad_request(f"{name} must be true or false", details=f"{name}={raw!r}")
    return raw.lower() in ("true", "1")


def encode_cursor(value: int | str) -> str:
    """An opaque pagination cursor."""
    return base64.urlsafe_b64encode(f"v1:{value}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The position a cursor stands for; 400 when it is not one of ours."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        bad_request("invalid cursor")
    if not text.startswith("v1:"):
        bad_request("invalid cursor")
    return text[3:]


def decode_int_cursor(cursor: str) -> int:
    """A cursor that stands for a sequence number."""
    try:
        return int(decode_cursor(cursor))
    except ValueError:
        bad_request("invalid cursor")
