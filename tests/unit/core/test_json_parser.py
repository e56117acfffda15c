"""core.api.parsers.HardenedJSONParser: DRF's JSON parser plus size, depth and string checks."""

from __future__ import annotations

import io
import json
import re
import time

import pytest
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.exceptions import ParseError

from core.api.parsers import MAX_DEPTH, HardenedJSONParser, RequestTooLarge
from core.errors import ApplicationError

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def parse(body: str | bytes):
    raw = body.encode() if isinstance(body, str) else body
    return HardenedJSONParser().parse(io.BytesIO(raw), "application/json", {})


def nested(depth: int) -> str:
    return '{"a": ' * (depth - 1) + "[]" + "}" * (depth - 1)


def test_it_takes_nesting_up_to_the_limit_and_refuses_one_more():
    assert parse(nested(MAX_DEPTH)) is not None
    with pytest.raises(ParseError, match="nested deeper"):
        parse(nested(MAX_DEPTH + 1))


def test_wide_documents_with_many_brackets_are_not_deep():
    assert len(parse(json.dumps([[i] for i in range(5000)]))) == 5000


def test_a_body_over_the_upload_limit_is_refused_without_reading_it_all():
    stream = io.BytesIO(b"[" + b"1," * 10_000 + b"1]")
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000), pytest.raises(RequestTooLarge):
        HardenedJSONParser().parse(stream, "application/json", {})
    assert stream.tell() == 1001


@pytest.mark.parametrize(
    ("body", "path"),
    [
        (r'"\u0000"', "$"),
        (r'{"\ud800": 1}', "$"),
        (r'{"a": [1, {"b\u0000c": 2}]}', "$.a[1]"),
        (r'{"a": [1, "\udfff"]}', "$.a[1]"),
        (r'{"a": "\ud83d\ud83d\ude00"}', "$.a"),  # a high surrogate followed by a full pair
        (r'{"a": "\\\ud800"}', "$.a"),  # an escaped backslash, then a real lone surrogate
        (r'{"a": "\\ud83d\ude00"}', "$.a"),  # literal "\ud83d" text, then a lone low surrogate
    ],
)
def test_unstorable_strings_are_refused_with_their_place(body, path):
    with pytest.raises(ApplicationError) as caught:
        parse(body)
    assert caught.value.code == "parse_error"
    assert caught.value.details == {"path": path}


@pytest.mark.parametrize(
    "body",
    [r'"\ud83d\ude00"', r'{"\\u0000": "\\ud800"}', '{"a": "caf\u00e9 \U0001f600"}', r'"\u0001"'],
)
def test_storable_text_passes(body):
    assert parse(body) == json.loads(body)


@pytest.mark.parametrize("body", ["{", "[1,]", '{"a": NaN}', '"\x00"', b'"\xff"'])
def test_malformed_json_is_a_parse_error(body):
    with pytest.raises(ParseError):
        parse(body)


# Hypothesis leaves out surrogates unless asked: letters, symbols, control characters (NUL) and
# surrogates (Cs), and plain text, so most documents are storable.
texts = st.text(st.characters(categories=["Cs", "Cc", "Ll", "So"]), max_size=6) | st.text(max_size=6)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=20,
)


def _unstorable(value) -> bool:
    if isinstance(value, str):
        return UNSTORABLE.search(value) is not None
    if isinstance(value, list):
        return any(_unstorable(v) for v in value)
    if isinstance(value, dict):
        return any(_unstorable(k) or _unstorable(v) for k, v in value.items())
    return False


@given(value=json_values, ensure_ascii=st.booleans())
def test_it_refuses_exactly_the_documents_with_unstorable_strings(value, ensure_ascii):
    body = json.dumps(value, ensure_ascii=ensure_ascii).encode("utf-8", "surrogatepass")
    if not ensure_ascii and _unstorable(value):
        return  # raw surrogates cannot be sent as UTF-8 at all
    if _unstorable(value):
        with pytest.raises(ApplicationError):
            parse(body)
    else:
        assert parse(body) == value


def test_a_256_kb_graph_parses_quickly():
    nodes = [
        {
            "id": f"n{i}",
            "type": "logic.compare",
            "version": 1,
            "params": {"op": "lt", "value": i, "label": "caf\u00e9 \U0001f600"},
            "position": {"x": i, "y": 2 * i},
        }
        for i in range(1000)
    ]
    edges = [{"id": f"e{i}", "source": f"n{i}", "target": f"n{i + 1}"} for i in range(999)]
    # ensure_ascii escapes the emoji as a surrogate pair: the slowest path that still passes.
    body = json.dumps({"graph": {"schema": 1, "nodes": nodes, "edges": edges}}).encode()
    assert 200_000 < len(body) < 300_000
    parse(body)  # warm up
    started = time.perf_counter()
    for _ in range(10):
        parse(body)
    per_parse = (time.perf_counter() - started) / 10
    # About 4 ms for json.loads and 5 ms for the checks on an idle machine; generous for CI.
    assert per_parse < 0.1
