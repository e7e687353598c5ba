"""The machine JSON Schema: generated from the models, committed beside the module, current, and
a valid draft 2020-12 schema that editors can use."""

from __future__ import annotations

import json

import jsonschema
import pytest

from pystator_contracts.schema import SCHEMA_DIALECT, SCHEMA_PATH, machine_json_schema, machine_schema_text
from pystator_contracts.schema.__main__ import main


def test_the_committed_schema_is_current() -> None:
    assert SCHEMA_PATH.read_text(encoding="utf-8") == machine_schema_text(), (
        "machine.schema.json is stale: run python -m pystator_contracts.schema --write"
    )


def test_the_schema_is_a_valid_draft_2020_12_schema() -> None:
    schema = machine_json_schema()
    assert schema["$schema"] == SCHEMA_DIALECT
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["required"] == ["states", "transitions"]
    assert schema["additionalProperties"] is False


def test_editors_get_descriptions_and_choices() -> None:
    state = machine_json_schema()["$defs"]["StateDef"]
    assert state["properties"]["type"]["enum"] == [
        "initial",
        "stable",
        "terminal",
        "error",
        "parallel",
        "choice",
    ]
    assert "initial_child" in state["properties"]
    assert "\n" not in json.dumps(state["properties"]["type"]["description"])


def test_the_command_checks_and_prints(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--check"]) == 0
    assert main([]) == 0
    assert json.loads(capsys.readouterr().out.split("\n", 1)[1])["title"] == "PyStator machine configuration"


def test_single_entries_and_both_invariant_forms_are_accepted() -> None:
    validator = jsonschema.Draft202012Validator(machine_json_schema())
    document = {
        "$schema": "./machine.schema.json",
        "states": [
            {"name": "a", "type": "initial", "on_enter": "notify", "when": {"field": "x", "op": "is_set"}}
        ],
        "transitions": [{"trigger": "go", "source": "a", "guards": {"expr": "x > 1"}, "after": "1.5s"}],
        "context_invariants": [
            {"name": "one", "check": {"field": "x", "op": "gt", "value": 0}},
            {"name": "two", "field": "y", "op": "in", "values": [1, 2]},
        ],
    }
    assert list(validator.iter_errors(document)) == []
    for bad_after in ("0s", "0.0ms", "soon", 0, 1.5, True):
        document["transitions"][0]["after"] = bad_after  # type: ignore[index]
        assert not validator.is_valid(document), bad_after
