"""Golden files: for every node type version, a graph and an event tape in, the exact intents,
every port's value and the state out (through the generated code, as in production)."""

from __future__ import annotations

import json

import pytest

from builder.graph import catalog
from tests.unit.builder.golden_scenarios import GOLDEN_DIR, expected_steps, golden_path

KEYS = [f"{type_}@{version}" for type_, version in catalog.SPECS]


def test_there_is_exactly_one_golden_file_per_node_type_version():
    assert sorted(p.name for p in GOLDEN_DIR.glob("*.json")) == sorted(golden_path(k).name for k in KEYS)


@pytest.mark.parametrize("key", KEYS)
def test_the_node_computes_exactly_what_its_golden_file_says(key):
    golden = json.loads(golden_path(key).read_text())
    assert golden["node"] == key
    type_, version = key.split("@")
    [under_test] = [node for node in golden["graph"]["nodes"] if node["id"] == "x"]
    assert (under_test["type"], under_test["version"]) == (type_, int(version))
    actual = expected_steps(golden["graph"], golden["tape"])
    assert len(actual) == len(golden["steps"])
    for i, (got, want) in enumerate(zip(actual, golden["steps"], strict=True)):
        assert got == want, f"step {i} (t={want['t']}, {want['kind']})"


def test_the_golden_files_exercise_every_node():
    """Each node under test produces more than one distinct output over its tape (so it is pinned)."""
    dull = []
    for key in KEYS:
        if key == "data.constant@1":
            continue  # constant by definition
        golden = json.loads(golden_path(key).read_text())
        outs = {json.dumps(step["trace"]["x"], sort_keys=True) for step in golden["steps"]}
        if len(outs) < 2:
            dull.append(key)
    assert dull == []


def test_every_action_golden_produces_intents():
    for key in KEYS:
        if not key.startswith("action."):
            continue
        golden = json.loads(golden_path(key).read_text())
        assert any(i["node_id"] == "x" for step in golden["steps"] for i in step["intents"]), key
