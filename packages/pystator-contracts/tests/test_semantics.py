"""Semantic validation over dicts (no files): references, hierarchy, regions, composition rules,
and the normalized configuration handed to the engine."""

from __future__ import annotations

from typing import Any

import pytest

from pystator_contracts.graph import MachineGraph, parse_dest
from pystator_contracts.machine import MachineConfig
from pystator_contracts.references import iter_references
from pystator_contracts.validation import check_semantics, validate_machine


def machine(states: list[dict[str, Any]], transitions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"states": states, "transitions": transitions, **extra}


def errors(data: dict[str, Any]) -> list[str]:
    return validate_machine(data).errors


def test_quick_start_is_valid_and_normalized_unchanged() -> None:
    data = machine(
        [{"name": "pending", "type": "initial"}, {"name": "open"}, {"name": "filled", "type": "terminal"}],
        [
            {"trigger": "ack", "source": "pending", "dest": "open"},
            {"trigger": "fill", "source": "open", "dest": "filled"},
        ],
    )
    outcome = validate_machine(data)
    assert outcome.ok
    assert outcome.config == MachineConfig.model_validate(data)


def test_structure_errors_stop_before_semantics() -> None:
    outcome = validate_machine(
        machine([{"name": "A", "type": "initial"}], [{"trigger": "go", "source": "x"}])
    )
    assert outcome.config is None
    assert outcome.errors == [
        "states[0].name: expected a name of lowercase letters a-z, digits and underscores, got 'A'"
    ]


def test_a_model_input_skips_the_structural_phase() -> None:
    model = MachineConfig.model_validate(machine([{"name": "a", "type": "initial"}], []))
    assert validate_machine(model).errors == []
    assert check_semantics(model) == []


def test_a_file_reference_without_a_loader_is_reported() -> None:
    data = machine([{"name": "a", "type": "initial"}, {"name": "b", "submachine": "sub.yaml"}], [])
    assert errors(data) == ["states[1].submachine: cannot read 'sub.yaml': no file loader is available here"]


def test_nested_inline_submachines_flatten_with_paths() -> None:
    inner = {"states": [{"name": "deep", "type": "initial"}, {"name": "deeper"}]}
    middle = {
        "states": [{"name": "mid", "type": "initial", "submachine": inner}],
        "transitions": [{"trigger": "down", "source": "deep", "dest": "nowhere"}],
    }
    data = machine([{"name": "top", "type": "initial"}, {"name": "host", "submachine": middle}], [])
    outcome = validate_machine(data)
    assert outcome.errors == ["states[1].submachine.transitions[0].dest: unknown state 'nowhere'"]
    assert outcome.config is not None
    parents = {s.name: s.parent for s in outcome.config.states}
    assert parents == {"top": None, "host": None, "mid": "host", "deep": "mid", "deeper": "mid"}
    assert outcome.origins is not None
    assert outcome.origins.states[3] == "states[1].submachine.states[0].submachine.states[0]"


def test_a_second_initial_state_inside_a_submachine() -> None:
    sub = {"states": [{"name": "x", "type": "initial"}, {"name": "y", "type": "initial"}]}
    data = machine([{"name": "top", "type": "initial"}, {"name": "host", "submachine": sub}], [])
    assert errors(data) == [
        "states[1].submachine.states[1].type: a second initial state 'y' in the submachine (the first is 'x')"
    ]


def test_children_typed_initial_must_agree_with_initial_child() -> None:
    data = machine(
        [
            {"name": "top", "type": "initial"},
            {"name": "p", "initial_child": "b"},
            {"name": "a", "parent": "p", "type": "initial"},
            {"name": "b", "parent": "p"},
        ],
        [],
    )
    assert errors(data) == [
        "states[2].type: 'a' is typed initial, but its parent 'p' starts at 'b' (initial_child)"
    ]
    data["states"][1].pop("initial_child")
    data["states"][3]["type"] = "initial"
    assert errors(data) == [
        "states[1].initial_child: compound state 'p' has several children typed initial ('a', 'b'); "
        "name one in initial_child"
    ]


def test_parallel_children_outside_every_region_and_self_membership() -> None:
    data = machine(
        [
            {"name": "top", "type": "initial"},
            {"name": "par", "type": "parallel", "initial_child": "x",
             "regions": [{"name": "r", "initial": "x", "states": ["x", "par"]}]},
            {"name": "x"},
            {"name": "stray", "parent": "par"},
        ],
        [],
    )  # fmt: skip
    assert errors(data) == [
        "states[1].initial_child: a parallel state enters every region; it has no initial_child",
        "states[1].regions[0].states[1]: 'par' is not a child of 'par' (it is a top-level state)",
        "states[3].parent: 'stray' is a child of parallel state 'par' but in none of its regions",
    ]


def test_variables_invariants_events_and_expressions() -> None:
    state = {"name": "a", "type": "initial", "when": "qty >", "on_enter": [{"compute": {"total": "qty *"}}]}
    action = {"name": "x", "when": {"anyOf": [{"expr": "(("}]}}
    data = machine(
        [state],
        [{"trigger": "go", "source": "a", "dest": "a", "actions": [action]}],
        state_variables=[
            {"key": "flag", "type": "boolean", "default": 1},
            {"key": "n", "type": "number", "default": True},
        ],
        context_invariants=[
            {"name": "i", "field": "a", "op": "is_set"},
            {"name": "i", "field": "b", "op": "is_null"},
        ],
        events=[{"name": "go"}, {"name": "go"}],
    )
    assert errors(data) == [
        "state_variables[0].default: expected true or false for a variable of type 'boolean', got 1",
        "state_variables[1].default: expected a number for a variable of type 'number', got true",
        "context_invariants[1].name: duplicate invariant 'i' (also context_invariants[0])",
        "events[1].name: duplicate event 'go' (also events[0])",
        "states[0].on_enter[0].compute.total: invalid expression 'qty *': invalid syntax",
        "states[0].when[0]: invalid expression 'qty >': invalid syntax",
        "transitions[0].actions[0].when.anyOf[0].expr: invalid expression '((': '(' was never closed",
    ]


def test_references_cover_every_form() -> None:
    on_exit = [{"custom": {"name": "audit"}}, {"append": {"field": "log.x", "value": 1}}]
    guards = ["g1", {"not": {"anyOf": ["g2", {"check": {"field": "qty", "op": "is_set"}}]}}]
    http = {"url": "https://x.invalid/{{ order_id }}", "body": {"k": ["{{ user.name }}"]}}
    data = machine(
        [{"name": "a", "type": "initial", "on_exit": on_exit}],
        [{"trigger": "go", "source": "a", "guards": guards, "actions": [{"http": http}]}],
        context_invariants=[{"name": "inv", "check": {"field": "limit", "op": "gt", "value": 0}}],
    )
    refs = [(r.kind, r.path, r.value) for r in iter_references(MachineConfig.model_validate(data))]
    assert refs == [
        ("action", "states[0].on_exit[0].custom.name", "audit"),
        ("field", "states[0].on_exit[1].append.field", "log.x"),
        ("guard", "transitions[0].guards[0]", "g1"),
        ("guard", "transitions[0].guards[1].not.anyOf[0]", "g2"),
        ("field", "transitions[0].guards[1].not.anyOf[1].check.field", "qty"),
        ("template", "transitions[0].actions[0].http", "order_id"),
        ("template", "transitions[0].actions[0].http", "user.name"),
        ("field", "context_invariants[0].check.field", "limit"),
    ]


def test_validation_reads_references_only_where_its_walks_found_logic() -> None:
    data = machine(
        [
            {"name": "a", "type": "initial"},
            {"name": "b", "when": ["qty >"]},
            {"name": "c", "on_enter": [{"name": "notify", "when": "1 +"}]},
        ],
        [
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "go", "source": "b", "dest": "c", "guards": [{"expr": "y >"}]},
        ],
    )
    model = MachineConfig.model_validate(data)
    assert MachineGraph(model).logic_states == [1, 2]
    found = errors(data)
    assert [line.split(":")[0] for line in found] == [
        "states[1].when[0]",
        "states[2].on_enter[0].when",
        "transitions[1].guards[0].expr",
    ]
    everything = list(iter_references(model))
    assert list(iter_references(model, states=[1, 2], transitions=[1])) == everything


def test_graph_helpers() -> None:
    model = MachineConfig.model_validate(
        machine(
            [
                {"name": "a", "type": "initial"},
                {"name": "p", "initial_child": "c"},
                {"name": "c", "parent": "p", "initial_child": "d"},
                {"name": "d", "parent": "c"},
                {"name": "t", "type": "terminal"},
            ],
            [
                {"trigger": "x", "source": "*", "dest": "p"},
                {"trigger": "y", "source": "p:d", "dest": "H*(p)"},
            ],
        )
    )
    graph = MachineGraph(model)
    assert graph.ancestors("d") == ["c", "p"]
    assert graph.descendants("p") == ["c", "d"]
    assert graph.entered("p") == ["p", "c", "d"]
    assert graph.source_states(model.transitions[0]) == ["a", "p", "c", "d"]
    assert graph.source_states(model.transitions[1]) == ["d"]
    assert [t.trigger for t in graph.outgoing("d")] == ["x", "y"]
    assert parse_dest("H*(p)").history == "deep"
    assert parse_dest("p:d").via == "p"


def test_graph_notable_states_are_those_with_structure() -> None:
    model = MachineConfig.model_validate(
        machine(
            [
                {"name": "a", "type": "initial"},
                {"name": "plain"},
                {"name": "p", "initial_child": "c"},
                {"name": "c", "parent": "p"},
                {"name": "timed", "timeout": {"seconds": 5, "destination": "a"}},
                {"name": "plain", "type": "error"},
                {"name": "oops", "type": "error"},
            ],
            [{"trigger": "go", "source": "a", "dest": "plain"}],
        )
    )
    graph = MachineGraph(model)
    # "plain" and "oops" are only a name (and a type no rule looks at); the second "plain" repeats a name.
    assert graph.notable == [0, 2, 3, 4, 5]
    assert (graph.type_of["plain"], graph.type_of["oops"], len(graph.type_of)) == ("stable", "error", 6)


def test_origins_of_a_machine_without_submachines_are_made_on_demand() -> None:
    outcome = validate_machine(
        machine(
            [{"name": "a", "type": "initial"}, {"name": "b"}], [{"trigger": "go", "source": "a", "dest": "b"}]
        )
    )
    assert outcome.origins is not None
    states, transitions = outcome.origins.states, outcome.origins.transitions
    assert (len(states), states[1], states[-1], tuple(states)) == (
        2,
        "states[1]",
        "states[1]",
        ("states[0]", "states[1]"),
    )
    assert states[0:1] == ("states[0]",)
    assert transitions == ("transitions[0]",)
    assert hash(transitions) == hash(("transitions[0]",))
    with pytest.raises(IndexError):
        states[2]


def test_transitions_of_every_shape_are_still_checked() -> None:
    # The common shape (one plain source, a plain destination) is checked without building paths;
    # every other shape goes through each rule, and both report exactly as before.
    states = [
        {"name": "a", "type": "initial"},
        {"name": "ch", "type": "choice"},
        {"name": "end", "type": "terminal"},
        {"name": "p", "initial_child": "k", "entry_points": ["k"]},
        {"name": "k", "parent": "p"},
    ]
    transitions = [
        {"trigger": "ok", "source": "a", "dest": "p"},
        {"trigger": "x", "source": "end", "dest": "a"},
        {"trigger": "x", "source": "ch", "dest": "a"},
        {"trigger": "x", "source": "a", "dest": "H(a)"},
        {"trigger": "x", "source": "a", "dest": "p:k"},
        {"trigger": "x", "source": "a", "dest": "nowhere"},
        {"auto": True, "source": "ch", "dest": "a"},
    ]
    assert errors(machine(states, transitions)) == [
        "transitions[1].source: 'end' is a terminal state; no transition leaves it",
        "transitions[2].source: 'ch' is a choice state; its outgoing transitions need auto: true",
        "transitions[3].dest: history target 'H(a)' needs a compound state; 'a' has no children",
        "transitions[5].dest: unknown state 'nowhere'",
    ]
