"""Structural errors read as ``path: problem, got value``: paths in the input's own terms
(``states[3].name``), union members and single-entry shorthands invisible, hints where obvious."""

from __future__ import annotations

from typing import Any

import pytest

from pystator_contracts.machine import MachineConfig
from pystator_contracts.validation import check_structure, did_you_mean, format_path, show


def problems(data: Any) -> list[str]:
    model, found = check_structure(data)
    assert model is None
    return found


def config(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"states": [{"name": "a", "type": "initial"}], "transitions": []}
    base.update(overrides)
    return base


def test_paths_and_values_are_rendered_like_the_readme() -> None:
    assert format_path(("states", 3, "name")) == "states[3].name"
    assert format_path(()) == "config"
    assert format_path(("groups", "my group")) == "groups['my group']"
    assert show("fillled") == "'fillled'"
    assert show(None) == "null"
    assert show(True) == "true"
    assert show({"a": [1, None]}) == "{'a': [1, null]}"
    assert show("x" * 100).endswith("...")
    assert len(show("x" * 100)) == 60


def test_did_you_mean_only_when_close() -> None:
    assert did_you_mean("fillled", ["open", "filled"]) == " (did you mean 'filled'?)"
    assert did_you_mean("zzz", ["open", "filled"]) == ""
    assert did_you_mean(5, ["open"]) == ""


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        config(
            states=[{"name": "A", "type": "initial", "colour": 1}, {"name": "b", "type": 3}],
            transitions=[{"trigger": "go", "source": "a"}, {"source": "a", "dest": "b"}],
        )
    )
    assert found == [
        "states[0].name: expected a name of lowercase letters a-z, digits and underscores, got 'A'",
        "states[0].colour: unknown key (allowed: name, type, description, group, parent, initial_child, "
        "regions, on_enter, on_exit, timeout, when, metadata, submachine, entry_points, exit_points)",
        "states[1].type: expected one of 'initial', 'stable', 'terminal', 'error', 'parallel', 'choice', "
        "got 3",
        "transitions[1]: a transition needs a 'trigger', an 'after' delay, or 'auto: true'",
    ]


def test_tagged_union_members_do_not_show_in_paths() -> None:
    guards = [{"allOf": [{"check": {"field": "x", "op": "in", "vaules": [1]}}]}]
    found = problems(config(transitions=[{"trigger": "go", "source": "a", "guards": guards}]))
    assert found == ["transitions[0].guards[0].allOf[0].check.vaules: unknown key (did you mean 'values'?)"]


def test_a_single_entry_where_a_list_is_expected_keeps_its_own_path() -> None:
    found = problems(config(states=[{"name": "a", "type": "initial", "on_exit": {"increment": ""}}]))
    assert found == ["states[0].on_exit.increment: must not be empty"]


def test_an_inline_invariant_reports_its_own_keys() -> None:
    found = problems(config(context_invariants=[{"name": "x", "field": "qty", "op": "gt", "valeu": 1}]))
    assert found == ["context_invariants[0].valeu: unknown key (did you mean 'value'?)"]


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("5", "expected an integer, got '5'"),
        (True, "expected an integer, got true"),
        (2.5, "expected an integer, got 2.5"),
    ],
)
def test_values_are_not_coerced(value: Any, message: str) -> None:
    assert problems(config(error_policy={"retry_attempts": value})) == [
        f"error_policy.retry_attempts: {message}"
    ]


def test_non_string_keys() -> None:
    assert problems({**config(), 1: "x"}) == ["config: keys must be strings, got 1"]
    assert problems(config(groups={"g": {2: "x"}})) == ["groups.g: keys must be strings, got 2"]


def test_the_top_level_must_be_a_mapping() -> None:
    assert problems(["states"]) == ["config: expected a mapping (key: value), got ['states']"]


def test_a_valid_config_has_no_problems() -> None:
    model, found = check_structure(config())
    assert isinstance(model, MachineConfig)
    assert found == []


def test_prefixes_name_the_file_of_a_submachine() -> None:
    _, found = check_structure(config(states=[{"name": "B"}]), prefix="payment.yaml:")
    assert found == [
        "payment.yaml:states[0].name: "
        "expected a name of lowercase letters a-z, digits and underscores, got 'B'"
    ]
