"""validate(): every problem at once, each with its node, port and code."""

from __future__ import annotations

import copy

import pytest

from builder.graph import validate
from builder.graph.build import GraphBuilder
from builder.graph.schema import MAX_BYTES
from tests.unit.builder.helpers import TICKER


def minimal() -> GraphBuilder:
    """market -> best ask < 40¢ on a book change -> buy 10 YES at the ask."""
    g = GraphBuilder()
    g.add("mkt", "market.ticker", ticker=TICKER)
    g.add("book", "trigger.book_changed")
    g.add("ask", "data.best_ask", side="yes")
    g.add("limit", "data.constant", type="price", value=4000)
    g.add("cheap", "logic.compare", op="lt")
    g.add("go", "logic.and")
    g.add("qty", "data.constant", type="count", value=1000)
    g.add("buy", "action.place_order", side="yes", action="buy", price_from="cross")
    g.connect("mkt", "market", "ask", "market")
    g.connect("ask", "price", "cheap", "a")
    g.connect("limit", "value", "cheap", "b")
    g.connect("book", "fired", "go", "a")
    g.connect("cheap", "result", "go", "b")
    g.connect("go", "result", "buy", "when")
    g.connect("mkt", "market", "buy", "market")
    g.connect("qty", "value", "buy", "count")
    return g


def codes(graph) -> list[str]:
    return [p["code"] for p in validate(graph)]


def test_a_well_formed_graph_has_no_problems():
    assert validate(minimal().to_json()) == []


def test_problems_have_the_documented_shape():
    graph = minimal().to_json()
    graph["nodes"][2]["params"]["side"] = "maybe"
    assert validate(graph) == [
        {
            "node_id": "ask",
            "port": None,
            "code": "bad_params",
            "message": "Side must be one of: yes, no.",
            "edge_id": None,
            "param": "side",
        }
    ]


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (None, "bad_shape"),
        ([], "bad_shape"),
        ("graph", "bad_shape"),
        (3, "bad_shape"),
        (float("nan"), "not_json"),
        ({"schema": 1, "nodes": {}, "edges": []}, "bad_shape"),
        ({1: 2, "a": 3}, "not_json"),
    ],
)
def test_it_rejects_values_that_are_not_graphs(value, code):
    assert codes(value)[0] == code


def test_it_reports_an_unknown_schema_version():
    graph = minimal().to_json()
    graph["schema"] = 2
    assert codes(graph) == ["schema_version"]


def test_it_reports_every_problem_at_once():
    graph = minimal().to_json()
    graph["nodes"][1]["type"] = "trigger.nope"  # the only trigger: unknown type, then no trigger
    graph["nodes"][2]["version"] = 9  # unknown version
    graph["nodes"][3]["params"] = {"type": "price", "value": 1.5}  # not an integer
    graph["nodes"].append(copy.deepcopy(graph["nodes"][4]))  # duplicate id
    graph["edges"][0]["targetHandle"] = "nope"
    found = codes(graph)
    assert found.count("unknown_type") == 1
    assert found.count("unknown_version") == 1
    assert found.count("bad_params") == 1
    assert found.count("duplicate_id") == 1
    assert "no_trigger" in found
    assert len(found) >= 5


def test_unknown_type_and_unknown_version_are_told_apart():
    graph = minimal().to_json()
    graph["nodes"][2]["version"] = 2
    [p] = validate(graph)
    assert p["code"] == "unknown_version"
    assert p["node_id"] == "ask"
    assert "latest is 1" in p["message"]


def test_it_rejects_floats_and_bools_where_integers_are_expected():
    graph = minimal().to_json()
    graph["nodes"][3]["params"]["value"] = 4000.0
    graph["nodes"][7]["params"]["offset_ticks"] = True
    problems = validate(graph)
    assert [(p["node_id"], p["param"]) for p in problems] == [("limit", "value"), ("buy", "offset_ticks")]


def test_it_rejects_unknown_params_and_names_them():
    graph = minimal().to_json()
    graph["nodes"][2]["params"]["colour"] = "red"
    [p] = validate(graph)
    assert (p["code"], p["param"]) == ("bad_params", "colour")


def test_a_market_node_needs_its_ticker():
    graph = minimal().to_json()
    graph["nodes"][0]["params"] = {}
    [p] = validate(graph)
    assert (p["code"], p["param"], p["message"]) == ("bad_params", "ticker", "Ticker is required.")


def test_cross_field_param_rules_are_checked():
    graph = minimal().to_json()
    graph["nodes"][7]["params"].update(post_only=True, time_in_force="immediate_or_cancel")
    [p] = validate(graph)
    assert (p["code"], p["param"]) == ("bad_params", "post_only")


def test_it_reports_a_missing_required_input_by_port():
    g = minimal()
    graph = g.to_json()
    graph["edges"] = [e for e in graph["edges"] if e["targetHandle"] != "count"]
    [p] = validate(graph)
    assert (p["code"], p["node_id"], p["port"]) == ("missing_input", "buy", "count")


def test_a_price_input_is_required_only_when_the_price_comes_from_it():
    graph = minimal().to_json()
    graph["nodes"][7]["params"]["price_from"] = "input"
    [p] = validate(graph)
    assert (p["code"], p["port"]) == ("missing_input", "price")


def test_a_market_dependent_node_must_be_bound_to_the_market():
    graph = minimal().to_json()
    graph["edges"] = [e for e in graph["edges"] if e["target"] != "ask" or e["targetHandle"] != "market"]
    [p] = validate(graph)
    assert (p["code"], p["node_id"], p["port"]) == ("unbound_market", "ask", "market")


def test_it_reports_type_mismatches_on_the_input():
    graph = minimal().to_json()
    for edge in graph["edges"]:
        if edge["target"] == "buy" and edge["targetHandle"] == "count":
            edge["source"], edge["sourceHandle"] = "limit", "value"  # a price into a count
    problems = validate(graph)
    assert [(p["code"], p["node_id"], p["port"]) for p in problems] == [("type_mismatch", "buy", "count")]


def test_a_generic_node_needs_the_same_type_on_all_its_inputs():
    graph = minimal().to_json()
    for edge in graph["edges"]:
        if edge["target"] == "cheap" and edge["targetHandle"] == "b":
            edge["source"] = "qty"  # a count against a price
    problems = validate(graph)
    assert [(p["code"], p["port"]) for p in problems] == [("type_mismatch", "b")]


def test_a_generic_node_refuses_types_it_does_not_accept():
    g = minimal()
    g.add("flag", "data.constant", type="bool", value=True)
    g.add("sum", "math.add")
    g.connect("flag", "value", "sum", "a")
    g.connect("flag", "value", "sum", "b")
    problems = validate(g.to_json())
    assert [(p["code"], p["node_id"]) for p in problems] == [
        ("type_mismatch", "sum"),
        ("type_mismatch", "sum"),
    ]


def test_it_reports_cycles_on_each_node_of_the_loop():
    g = minimal()
    g.add("n1", "logic.not")
    g.add("n2", "logic.not")
    g.connect("n1", "result", "n2", "a")
    g.connect("n2", "result", "n1", "a")
    problems = validate(g.to_json())
    assert sorted((p["code"], p["node_id"]) for p in problems) == [("cycle", "n1"), ("cycle", "n2")]


def test_a_self_loop_is_a_cycle():
    g = minimal()
    g.add("n1", "logic.not")
    g.connect("n1", "result", "n1", "a")
    assert codes(g.to_json()) == ["cycle"]


def test_it_reports_dangling_edges():
    graph = minimal().to_json()
    graph["edges"].append(
        {"id": "ghost", "source": "nobody", "sourceHandle": "x", "target": "buy", "targetHandle": "price"}
    )
    graph["edges"].append(
        {"id": "bad-out", "source": "ask", "sourceHandle": "nope", "target": "go", "targetHandle": "c"}
    )
    problems = validate(graph)
    assert [(p["code"], p["edge_id"], p["node_id"], p["port"]) for p in problems] == [
        ("dangling_edge", "ghost", "buy", "price"),
        ("dangling_edge", "bad-out", "ask", "nope"),
    ]


def test_an_input_takes_one_connection():
    graph = minimal().to_json()
    graph["edges"].append(
        {"id": "again", "source": "cheap", "sourceHandle": "result", "target": "go", "targetHandle": "a"}
    )
    [p] = validate(graph)
    assert (p["code"], p["node_id"], p["port"], p["edge_id"]) == ("duplicate_input", "go", "a", "again")


def test_duplicate_edge_ids_are_reported():
    graph = minimal().to_json()
    graph["edges"].append(dict(graph["edges"][0]))
    assert codes(graph) == ["duplicate_id"]


@pytest.mark.parametrize("category", ["trigger", "action"])
def test_a_graph_needs_a_trigger_and_an_action(category):
    graph = minimal().to_json()
    removed = {n["id"] for n in graph["nodes"] if n["type"].startswith(category)}
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] not in removed]
    graph["edges"] = [e for e in graph["edges"] if e["source"] not in removed and e["target"] not in removed]
    assert f"no_{category}" in codes(graph)


def test_a_graph_has_exactly_one_market_node():
    g = minimal()
    g.add("mkt2", "market.event", event_ticker="KXTEST-26JAN01")
    problems = validate(g.to_json())
    assert [(p["code"], p["node_id"]) for p in problems] == [("multiple_markets", "mkt2")]
    graph = minimal().to_json()
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "mkt"]
    graph["edges"] = [e for e in graph["edges"] if e["source"] != "mkt"]
    assert sorted(codes(graph)) == ["no_market", "unbound_market", "unbound_market"]


def test_size_limits():
    g = minimal()
    for i in range(200):
        g.add(f"c{i}", "data.constant", value=i)
    assert codes(g.to_json()) == ["too_many_nodes"]
    graph = minimal().to_json()
    graph["edges"] += [
        {"id": f"e{i}", "source": "mkt", "sourceHandle": "market", "target": "nobody", "targetHandle": "x"}
        for i in range(501)
    ]
    assert codes(graph)[0] == "too_many_edges"
    graph = minimal().to_json()
    graph["notes"] = "x" * MAX_BYTES
    assert codes(graph) == ["too_large"]


def test_deep_nesting_is_a_problem_not_a_crash():
    deep: object = []
    for _ in range(100_000):
        deep = [deep]
    graph = minimal().to_json()
    graph["nodes"][0]["data"] = deep
    assert codes(graph) == ["not_json"]


def test_editor_keys_are_kept_and_ignored():
    graph = minimal().to_json()
    graph["viewport"] = {"x": 0, "y": 0, "zoom": 1}
    graph["nodes"][0]["data"] = {"label": "My market"}
    graph["nodes"][0]["selected"] = True
    assert validate(graph) == []


def test_the_published_graph_json_schema_agrees_with_validate_on_the_shape():
    from jsonschema import Draft202012Validator

    from builder.graph.schema import GRAPH_JSON_SCHEMA

    Draft202012Validator.check_schema(GRAPH_JSON_SCHEMA)
    checker = Draft202012Validator(GRAPH_JSON_SCHEMA)
    assert checker.is_valid(minimal().to_json())
    graph = minimal().to_json()
    graph["edges"][0]["id"] = "has space"
    assert not checker.is_valid(graph)
    assert "bad_shape" in codes(graph)


def test_it_reports_a_graph_without_an_action():
    graph = minimal().to_json()
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "buy"]
    graph["edges"] = [e for e in graph["edges"] if e["target"] != "buy"]
    assert validate(graph) == [
        {
            "node_id": None,
            "port": None,
            "code": "no_action",
            "message": "Add an action: without one the bot never does anything.",
            "edge_id": None,
            "param": None,
        }
    ]


@pytest.mark.parametrize("bad_id", ["buy\n", "buy\r\n", "\nbuy", "b\nuy", "buy\x00"])
def test_a_node_id_with_a_newline_or_control_character_is_refused(bad_id):
    graph = minimal().to_json()
    graph["nodes"][7]["id"] = bad_id
    for edge in graph["edges"]:
        if edge["target"] == "buy":
            edge["target"] = bad_id
    assert "bad_shape" in codes(graph)


def test_an_edge_id_with_a_trailing_newline_is_refused():
    graph = minimal().to_json()
    graph["edges"][0]["id"] = "e1\n"
    assert "bad_shape" in codes(graph)


@pytest.mark.parametrize(
    ("node", "param", "value"),
    [
        (0, "ticker", TICKER + "\n"),  # the market node's ticker pattern
        (7, "__notify", "Bot signal\n"),  # a notify message (no control characters)
    ],
)
def test_a_string_param_with_a_trailing_newline_fails_its_pattern(node, param, value):
    g = minimal()
    if param == "__notify":
        g.add("tell", "action.notify", message=value)
        g.connect("go", "result", "tell", "when")
        graph = g.to_json()
        node_id = "tell"
    else:
        graph = g.to_json()
        graph["nodes"][node]["params"][param] = value
        node_id = graph["nodes"][node]["id"]
    assert [(p["code"], p["node_id"]) for p in validate(graph)] == [("bad_params", node_id)]


def test_the_published_id_pattern_is_the_one_validate_uses_and_means_the_same():
    from jsonschema import Draft202012Validator

    from builder.graph.schema import GRAPH_JSON_SCHEMA, ID_PATTERN, ecma_regex

    node_id = GRAPH_JSON_SCHEMA["properties"]["nodes"]["items"]["properties"]["id"]
    assert node_id == {"type": "string", "pattern": ID_PATTERN}
    # ECMA-262 (the editor, any JSON Schema tool) reads `$` as the end of the text: so must we.
    assert ID_PATTERN.startswith("^")
    assert ID_PATTERN.endswith("$")
    assert ecma_regex(ID_PATTERN).search("buy") is not None
    assert ecma_regex(ID_PATTERN).search("buy\n") is None
    # Our validator for params patterns reads them the same way (plain jsonschema would not).
    from builder.graph.validate import _StrictValidator

    schema = {"type": "string", "pattern": ID_PATTERN}
    assert Draft202012Validator(schema).is_valid("buy\n")  # why the custom `pattern` keyword exists
    assert not _StrictValidator(schema).is_valid("buy\n")
    assert _StrictValidator(schema).is_valid("buy")


def test_ecma_regex_refuses_a_dollar_it_cannot_translate():
    from builder.graph.schema import ecma_regex

    with pytest.raises(ValueError, match="unsupported pattern"):
        ecma_regex(r"^a$|^b$")
    assert ecma_regex(r"^costs \$").search("costs $") is not None
