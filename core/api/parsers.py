"""The API's JSON parser: DRF's, hardened so hostile bodies are a 4xx, never a 500.

Every API gets it (DEFAULT_PARSER_CLASSES). On top of DRF's JSONParser it
- reads at most DATA_UPLOAD_MAX_MEMORY_SIZE bytes (DRF reads the stream without a limit): 413;
- refuses nesting deeper than MAX_DEPTH (instead of a RecursionError deep in the stack): 400;
- refuses strings (keys or values) holding NUL or a lone surrogate, which PostgreSQL cannot
  store in text or JSONB columns: 400 naming where. A raw NUL or an unpaired surrogate cannot
  appear in valid JSON text, only as a `\\u` escape, so the strings are only checked when the
  body holds such an escape.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import IO, Any, NoReturn

from django.conf import settings
from rest_framework import status
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

from core.errors import ApplicationError

# Far below Python's recursion limit, so whatever handles the data later (serializers, json.dumps,
# the graph validator) cannot overflow the stack; far above any document the API takes.
MAX_DEPTH = 100

# `\u0000` and `\ud800`-`\udfff` escapes (hex digits in either case). Valid surrogate pairs and
# escaped backslashes before "u" also match; the checks after it tell those apart.
_SUSPICIOUS_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class RequestTooLarge(ApplicationError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            f"The request body is too large: more than {limit} bytes.",
            code="request_too_large",
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
            details={"max_bytes": limit},
        )


def _read_limited(stream: IO[bytes]) -> bytes:
    limit: int | None = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if limit is None:
        return stream.read()
    raw = stream.read(limit + 1)
    if len(raw) > limit:
        raise RequestTooLarge(limit)
    return raw


def _location(path: tuple[str | int, ...]) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)


def _depth_exceeds(document: Any, limit: int) -> bool:
    """Is any container nested deeper than `limit`? Level by level, so it cannot overflow the stack."""
    level = [document]
    depth = 1
    while level:
        if depth > limit:
            return True
        deeper = []
        for container in level:
            for child in container.values() if type(container) is dict else container:
                if type(child) is dict or type(child) is list:
                    deeper.append(child)
        level = deeper
        depth += 1
    return False


def _holds_unstorable_string(document: Any) -> bool:
    """One pass in C: the encoder writes a NUL as the escape backslash-u0000 and copies a lone
    surrogate, which UTF-8 then refuses. (A literal backslash-u0000 text also matches; the walk
    sorts that out.)"""
    encoded = json.dumps(document, ensure_ascii=False)
    try:
        encoded.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return "\\u0000" in encoded


def _refuse_unstorable_string(document: Any) -> None:
    """Find the first NUL or lone surrogate (keys or values) and say where; the slow path."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(document, ())]
    while stack:
        value, path = stack.pop()
        if isinstance(value, str):
            if _UNSTORABLE.search(value):
                _refuse_string("a string", path, value)
            continue
        items = (
            value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
        )
        for key, child in items:
            if isinstance(key, str) and _UNSTORABLE.search(key):
                _refuse_string("a key", path, key)
            stack.append((child, (*path, key)))


def _refuse_string(what: str, path: tuple[str | int, ...], text: str) -> NoReturn:
    problem = "a NUL character (\\u0000)" if "\x00" in text else "an unpaired surrogate (\\ud800-\\udfff)"
    raise ApplicationError(
        f"JSON parse error - {what} at {_location(path)} holds {problem}, which cannot be stored.",
        code="parse_error",
        details={"path": _location(path)},
    )


class HardenedJSONParser(JSONParser):
    """DRF's JSONParser with a size limit, a depth limit and storable strings only."""

    def parse(
        self, stream: IO[Any], media_type: str | None = None, parser_context: Mapping[str, Any] | None = None
    ) -> Any:
        raw = _read_limited(stream)
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            document = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError as exc:
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.") from exc
        except (ValueError, LookupError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ParseError(f"JSON parse error - {exc}") from exc
        # Cheap bounds first: nothing is nested deeper than its number of opening brackets, and
        # only a \u escape can put a NUL or a lone surrogate into a string.
        if (
            isinstance(document, dict | list)
            and text.count("[") + text.count("{") > MAX_DEPTH
            and _depth_exceeds(document, MAX_DEPTH)
        ):
            raise ParseError(f"JSON parse error - nested deeper than {MAX_DEPTH} levels.")
        if _SUSPICIOUS_ESCAPE.search(text) and _holds_unstorable_string(document):
            _refuse_unstorable_string(document)
        return document
