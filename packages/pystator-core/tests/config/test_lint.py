"""``pystator.lint.lint``: static warnings about valid machines, each rule shown firing and staying
quiet, with registries, file paths and invalid input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pystator import ActionRegistry, ConfigurationError, GuardRegistry
from pystator.lint import LintWarning, lint

CORPUS = Path(__file__).parent / "corpus"


def machine(states: list[dict[str, Any]], transitions: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {"states": states, "transitions": transitions, **extra}


ORDER = machine(
    [{"name": "pending", "type": "initial"}, {"name": "open"}, {"name": "filled", "type": "terminal"}],
    [
        {"trigger": "ack", "source": "pending", "dest": "open"},
        {"trigger": "fill", "source": "open", "dest": "filled"},
    ],
)


def codes(found: list[LintWarning]) -> list[tuple[str, str]]:
    return [(w.code, w.path) for w in found]


def test_a_clean_machine_has_no_warnings() -> None:
    assert lint(ORDER) == []


@pytest.mark.parametrize("path", sorted((CORPUS / "valid").glob("*.yaml")), ids=lambda p: p.stem)
def test_the_valid_corpus_lints_without_reachability_problems(path: Path) -> None:
    found = lint(path)
    assert not [w for w in found if w.code in ("unreachable_state", "nondeterministic_transition")]


def test_unreachable_dead_end_and_no_way_to_finish() -> None:
    config = machine(
        [
            {"name": "pending", "type": "initial"},
            {"name": "open"},
            {"name": "stuck"},
            {"name": "loop_a"},
            {"name": "loop_b"},
            {"name": "island"},
            {"name": "filled", "type": "terminal"},
        ],
        [
            {"trigger": "ack", "source": "pending", "dest": "open"},
            {"trigger": "fill", "source": "open", "dest": "filled"},
            {"trigger": "jam", "source": "open", "dest": "stuck"},
            {"trigger": "spin", "source": "open", "dest": "loop_a"},
            {"trigger": "spin", "source": "loop_a", "dest": "loop_b"},
            {"trigger": "spin", "source": "loop_b", "dest": "loop_a"},
            {"trigger": "back", "source": "island", "dest": "open"},
        ],
    )
    found = lint(config)
    assert [str(w) for w in found] == [
        "states[2]: state 'stuck' is not terminal, yet no transition or timeout leaves it [dead_end]",
        "states[3]: no terminal state is reachable from 'loop_a' [no_terminal_reachable]",
        "states[4]: no terminal state is reachable from 'loop_b' [no_terminal_reachable]",
        "states[5]: state 'island' is unreachable from the initial state 'pending' [unreachable_state]",
    ]
    assert {w.severity for w in found} == {"warning"}


def test_hierarchy_timeouts_fallbacks_and_wildcards_count_as_ways_in_and_out() -> None:
    config = machine(
        [
            {"name": "idle", "type": "initial", "timeout": {"seconds": 5, "destination": "session"}},
            {"name": "session", "initial_child": "browsing"},
            {"name": "browsing", "parent": "session"},
            {"name": "paying", "parent": "session"},
            {"name": "failed", "type": "error"},
            {"name": "done", "type": "terminal"},
        ],
        [
            {"trigger": "pay", "source": "browsing", "dest": "paying"},
            {"trigger": "quit", "source": "session", "dest": "done"},
            {"trigger": "abort", "source": "*", "dest": "done"},
        ],
        error_policy={"default_fallback": "failed"},
    )
    assert lint(config) == []


def test_a_child_entered_only_directly_keeps_its_siblings_unreachable() -> None:
    config = machine(
        [
            {"name": "idle", "type": "initial"},
            {"name": "session", "initial_child": "browsing"},
            {"name": "browsing", "parent": "session"},
            {"name": "paying", "parent": "session"},
            {"name": "done", "type": "terminal"},
        ],
        [
            {"trigger": "pay", "source": "idle", "dest": "paying"},
            {"trigger": "quit", "source": "session", "dest": "done"},
        ],
    )
    assert codes(lint(config)) == [("unreachable_state", "states[2]")]


def test_shadowed_and_nondeterministic_transitions() -> None:
    config = machine(
        [{"name": "pending", "type": "initial"}, {"name": "open"}, {"name": "filled", "type": "terminal"}],
        [
            {"trigger": "ack", "source": "pending", "dest": "open"},
            {"trigger": "fill", "source": "open", "dest": "filled"},
            {"trigger": "fill", "source": "open", "dest": "pending", "guards": [{"expr": "qty < 0"}]},
            {"trigger": "ack", "source": ["pending", "open"], "dest": "filled"},
            {"trigger": "fill", "source": "open", "dest": "open", "region": None},
        ],
    )
    assert [str(w) for w in lint(config)] == [
        "transitions[2]: never fires: transitions[1] leaves 'open' on 'fill' first, without guards "
        "[shadowed_transition]",
        "transitions[3]: transitions[0] and this transition both leave 'pending' on 'ack' without guards; "
        "only the first ever fires [nondeterministic_transition]",
        "transitions[4]: transitions[1] and this transition both leave 'open' on 'fill' without guards; "
        "only the first ever fires [nondeterministic_transition]",
    ]


def test_guarded_alternatives_and_delayed_transitions_are_not_conflicts() -> None:
    config = machine(
        [{"name": "pending", "type": "initial"}, {"name": "open"}, {"name": "filled", "type": "terminal"}],
        [
            {"trigger": "fill", "source": "pending", "dest": "filled", "guards": ["is_full"]},
            {"trigger": "fill", "source": "pending", "dest": "open"},
            {"trigger": "fill", "source": "open", "dest": "filled"},
            {"trigger": "fill", "after": "5s", "source": "open", "dest": "filled"},
        ],
    )
    assert lint(config) == []


def test_registries_report_unregistered_names_but_builtins_count_as_registered() -> None:
    config = machine(
        [
            {
                "name": "pending",
                "type": "initial",
                "on_enter": ["log", "notify", {"custom": {"name": "audit"}}],
            },
            {"name": "filled", "type": "terminal"},
        ],
        [
            {
                "trigger": "fill",
                "source": "pending",
                "dest": "filled",
                "guards": ["is_full", {"not": "is_blocked"}, {"expr": "qty > 0"}],
                "actions": [{"branch": {"when": "qty > 1", "then": [{"name": "publish"}, "settle"]}}],
            }
        ],
    )
    assert lint(config) == []  # without registries nothing is checked
    guards = GuardRegistry()
    guards.register("is_full", lambda ctx: True)
    actions = ActionRegistry()
    actions.register("notify", lambda ctx: None)
    assert [str(w) for w in lint(config, guards=guards, actions=actions)] == [
        "states[0].on_enter[2].custom.name: action 'audit' is not registered [unregistered_action]",
        "transitions[0].guards[1].not: guard 'is_blocked' is not registered [unregistered_guard]",
        "transitions[0].actions[0].branch.then[1]: action 'settle' is not registered [unregistered_action]",
    ]
    assert lint(config, guards={"is_full", "is_blocked"}, actions={"notify", "audit", "settle"}) == []


def test_unused_groups_and_variables_are_information() -> None:
    config = machine(
        ORDER["states"],
        [
            {"trigger": "ack", "source": "pending", "dest": "open", "guards": [{"expr": "qty > limits.max"}]},
            {
                "trigger": "fill",
                "source": "open",
                "dest": "filled",
                "actions": [
                    {"set": {"status": "filled"}},
                    {"http": {"url": "https://h.invalid/{{ order_id }}"}},
                ],
            },
        ],
        groups={"active": {"label": "Active"}},
        state_variables=["qty", "limits", "status", "order_id", "unused_one"],
    )
    found = lint(config)
    assert [str(w) for w in found] == [
        "groups.active: no state belongs to group 'active' [unused_group]",
        "state_variables[4]: nothing in the configuration refers to variable 'unused_one' [unused_variable]",
    ]
    assert {w.severity for w in found} == {"info"}


def test_choice_without_default_and_routing_without_when() -> None:
    config = machine(
        [
            {"name": "start", "type": "initial"},
            {"name": "route", "type": "choice"},
            {"name": "big", "type": "terminal"},
        ],
        [
            {"trigger": "go", "source": "start", "dest": "route"},
            {"source": "route", "dest": "big", "auto": True, "guards": [{"expr": "qty > 10"}]},
        ],
        meta={"classification": {"auto_route": True}},
    )
    assert codes(lint(config)) == [
        ("choice_without_default", "states[1]"),
        ("auto_route_without_when", "meta.classification.auto_route"),
    ]


def test_paths_point_into_submachines() -> None:
    config = machine(
        [
            {"name": "a", "type": "initial"},
            {
                "name": "host",
                "submachine": {"states": [{"name": "inner", "type": "initial"}, {"name": "orphan"}]},
            },
            {"name": "z", "type": "terminal"},
        ],
        [{"trigger": "go", "source": "a", "dest": "host"}, {"trigger": "end", "source": "host", "dest": "z"}],
    )
    assert codes(lint(config)) == [("unreachable_state", "states[1].submachine.states[1]")]


def test_invalid_configurations_raise() -> None:
    with pytest.raises(ConfigurationError) as info:
        lint(machine([{"name": "a"}], []))
    assert info.value.errors == ["states: no initial state (one top-level state needs type: initial)"]
