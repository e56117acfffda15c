"""The catalog: one well-formed, documented spec per node type and version."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator

from builder.graph import catalog
from builder.graph.ports import NUMERIC, PORT_TYPES
from builder.graph.spec import CATEGORIES
from builder.graph.validate import _VALIDATORS

README = Path(catalog.__file__).parents[1] / "README.md"
SPECS = list(catalog.SPECS.values())
IDS = [spec.key for spec in SPECS]

# The node types the issue asks for, by family (so a missing one fails loudly).
REQUIRED_TYPES = {
    "trigger.book_changed",
    "trigger.trade_printed",
    "trigger.every",
    "trigger.own_fill",
    "trigger.before_close",
    "trigger.run_started",
    "market.ticker",
    "market.event",
    "market.series_current",
    "data.best_bid",
    "data.best_ask",
    "data.mid",
    "data.spread",
    "data.depth",
    "data.last_trade",
    "data.volume",
    "data.position",
    "data.open_orders",
    "data.average_entry",
    "data.unrealized_pnl",
    "data.balance",
    "data.time_to_close",
    "data.constant",
    "logic.compare",
    "logic.between",
    "logic.and",
    "logic.or",
    "logic.not",
    "math.add",
    "math.subtract",
    "math.multiply",
    "math.divide",
    "math.min",
    "math.max",
    "math.abs",
    "math.clamp",
    "logic.crosses_above",
    "logic.crosses_below",
    "logic.moving_average",
    "logic.change",
    "logic.cooldown",
    "logic.once_per_market",
    "logic.count_in_window",
    "action.place_order",
    "action.target_position",
    "action.cancel_orders",
    "action.close_position",
    "action.stop_loss",
    "action.take_profit",
    "action.notify",
    "action.pause_bot",
}


def test_it_has_every_node_type_the_language_promises():
    assert set(catalog.LATEST) >= REQUIRED_TYPES


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_params_are_a_valid_closed_json_schema_with_documented_defaults(spec):
    Draft202012Validator.check_schema(spec.params)
    assert spec.params["type"] == "object"
    assert spec.params["additionalProperties"] is False
    for name, prop in spec.params["properties"].items():
        assert {"title", "description", "default"} <= prop.keys(), name
        assert name in spec.params["required"]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_defaults_are_valid_except_names_the_user_must_type(spec):
    errors = list(_VALIDATORS[(spec.type, spec.version)].iter_errors(spec.defaults()))
    # A market node cannot guess its ticker: its default is empty and reported as required.
    assert all(e.instance == "" and e.validator == "pattern" for e in errors)
    assert bool(errors) == (spec.category == "market")


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_ports_are_typed_and_uniquely_named(spec):
    assert spec.category in CATEGORIES
    assert re.fullmatch(r"[a-z]+\.[a-z_]+", spec.type)
    # Unique across inputs and outputs too: trace_as_dict flattens them into one dict per node.
    names = [p.name for p in (*spec.inputs, *spec.outputs)]
    assert len(set(names)) == len(names)
    for port in (*spec.inputs, *spec.outputs):
        if port.type == "T":
            assert spec.type_var is not None
            assert set(spec.type_var.allowed) <= set(PORT_TYPES)
        else:
            assert port.type in PORT_TYPES
    for port in spec.inputs:
        if not port.required and port.default is not None:
            assert port.type == "bool"
            assert isinstance(port.default, bool)


@pytest.mark.parametrize("spec", [s for s in SPECS if s.category == "action"], ids=lambda s: s.key)
def test_every_action_has_a_when_input_fire_rule_and_fired_output(spec):
    assert spec.input("when") is not None
    assert spec.output("fired") is not None
    assert spec.params["properties"]["fire_on"]["default"] == "rising_edge"


def test_generic_nodes_accept_only_numeric_types_or_declare_their_param():
    for spec in SPECS:
        if spec.type_var is None:
            continue
        if spec.type_var.param is None:
            assert set(spec.type_var.allowed) == set(NUMERIC), spec.key
        else:
            assert spec.type_var.param in spec.params["properties"]


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_every_node_version_is_documented_in_the_readme(spec):
    text = README.read_text()
    assert f"#### `{spec.type}` v{spec.version}\n" in text


def test_the_catalog_json_is_json_and_lists_every_spec():
    body = json.loads(json.dumps(catalog.catalog_json()))
    assert {(n["type"], n["version"]) for n in body["nodes"]} == set(catalog.SPECS)
    assert {t["type"] for t in body["port_types"]} == set(PORT_TYPES)
    compare = next(n for n in body["nodes"] if n["type"] == "logic.compare")
    assert compare["type_variable"] == {"types": list(NUMERIC), "param": None}
    assert compare["inputs"][0] == {
        "name": "a",
        "title": "A",
        "description": "",
        "type": None,
        "types": list(NUMERIC),
        "required": True,
        "required_when": None,
        "default": None,
    }
    place = next(n for n in body["nodes"] if n["type"] == "action.place_order")
    price = next(p for p in place["inputs"] if p["name"] == "price")
    assert price["required_when"] == {"param": "price_from", "equals": "input"}
    assert place["market_dependent"] is True
