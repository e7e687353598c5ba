"""Composition and routing: entry and exit points of compound states, and when-routing
(``meta.classification``) that moves the machine to the state whose ``when`` checks match."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pystator import ConfigurationError, StateMachine


@pytest.fixture
def checkout(load: Callable[..., StateMachine]) -> StateMachine:
    return load("checkout")


def test_entering_through_the_default_entry(run: Any, checkout: StateMachine) -> None:
    assert run(checkout, "cart", "checkout").target_state == "choose"


def test_entering_through_an_entry_point(run: Any, checkout: StateMachine) -> None:
    result = run(checkout, "cart", "one_click")
    assert result.target_state == "express"
    assert result.all_actions == ("enter_payment", "enter_express")


def test_leaving_through_exit_points(run: Any, checkout: StateMachine) -> None:
    assert run(checkout, "success", "ship").target_state == "shipped"
    assert run(checkout, "failure", "give_up").target_state == "cancelled"
    wrong = run(checkout, "choose", "ship")
    assert not wrong.success and wrong.metadata["reason"] == "invalid_transition"


def test_an_undeclared_entry_point_is_refused(build: Callable[..., StateMachine]) -> None:
    with pytest.raises(ConfigurationError, match="entry"):
        build(
            [{"name": "a", "type": "initial"}, {"name": "p"}, {"name": "c", "parent": "p"}],
            [{"trigger": "go", "source": "a", "dest": "p:c"}],
        )


@pytest.fixture
def tickets(load: Callable[..., StateMachine]) -> StateMachine:
    return load("classified")


def _route(run: Any, machine: StateMachine, state: str, ctx: dict[str, Any]) -> Any:
    return run.call(lambda: machine.route(state, ctx), lambda: machine.aroute(state, ctx))


def test_auto_route_flag(tickets: StateMachine, load: Callable[..., StateMachine]) -> None:
    assert tickets.auto_route is True
    assert load("order").auto_route is False


def test_routes_to_the_first_matching_state(run: Any, tickets: StateMachine) -> None:
    result = _route(run, tickets, "triage", {"priority": "p1", "age_days": 10})
    assert result.success
    assert result.target_state == "urgent"  # definition order: urgent before escalated
    assert result.trigger == "__route__"
    assert result.metadata["routed"] is True
    assert result.all_actions == ("leave_triage", "page_oncall")


def test_a_defined_transition_is_preferred(run: Any, tickets: StateMachine) -> None:
    tickets_ctx = {"priority": "p3"}
    assert _route(run, tickets, "urgent", tickets_ctx).target_state == "routine"
    # From urgent, escalated is reachable by the 'escalate' trigger: routing uses it.
    machine = StateMachine.from_dict(
        {
            "meta": {"classification": {"auto_route": True}},
            "states": [
                {"name": "a", "type": "initial"},
                {"name": "b", "when": [{"field": "go", "op": "eq", "value": True}]},
            ],
            "transitions": [{"trigger": "move", "source": "a", "dest": "b", "actions": ["moved"]}],
        }
    )
    result = _route(run, machine, "a", {"go": True})
    assert result.trigger == "move"
    assert result.all_actions == ("moved",)


def test_nothing_routes_when_already_there_or_nothing_matches(run: Any, tickets: StateMachine) -> None:
    assert _route(run, tickets, "urgent", {"priority": "p1"}) is None
    assert _route(run, tickets, "triage", {"priority": "p9"}) is None  # default_state is triage
    assert _route(run, tickets, "closed", {"priority": "p1"}) is None  # terminal


def test_default_state_when_nothing_matches(run: Any, tickets: StateMachine) -> None:
    result = _route(run, tickets, "routine", {"priority": "p9"})
    assert result.target_state == "triage"


def test_route_all_follows_until_stable(run: Any, tickets: StateMachine) -> None:
    results = tickets.route_all("triage", {"priority": "p2"})
    assert [r.target_state for r in results] == ["routine"]
    assert tickets.route_all("routine", {"priority": "p2"}) == []


def test_route_all_is_bounded(build: Callable[..., StateMachine]) -> None:
    machine = StateMachine.from_dict(
        {
            "states": [
                {"name": "a", "type": "initial", "when": [{"field": "x", "op": "eq", "value": 1}]},
                {"name": "b"},
            ],
            "transitions": [{"auto": True, "source": "a", "dest": "b"}],
        }
    )
    # The data says a, a's eventless transition says b: routing would oscillate forever.
    results = machine.route_all("b", {"x": 1}, max_depth=5)
    assert [(r.trigger, r.target_state) for r in results] == [
        ("__route__", "a"),
        ("__auto__", "b"),
        ("__route__", "a"),
        ("__auto__", "b"),
        ("__route__", "a"),
    ]


@pytest.fixture
def shop(load: Callable[..., StateMachine]) -> StateMachine:
    return load("order_with_submachines")


def test_submachines_become_compound_states(shop: StateMachine) -> None:
    assert shop.get_state("payment").children == ("choosing_method", "authorising")
    assert shop.get_state("payment").initial_child == "choosing_method"
    assert shop.get_state("packing").parent == "shipping"


def test_entering_a_submachine_enters_its_initial_state(run: Any, shop: StateMachine) -> None:
    result = run(shop, "cart", "checkout")
    assert result.target_state == "choosing_method"
    assert result.all_actions == ("show_methods",)


def test_submachine_transitions_and_host_transitions_work_together(run: Any, shop: StateMachine) -> None:
    assert run(shop, "choosing_method", "choose").target_state == "authorising"
    paid = run(shop, "authorising", "paid")  # a host transition from the submachine's state
    assert paid.target_state == "packing"
    assert paid.all_actions == ("leave_payment", "start_packing")
    assert run(shop, "packing", "dispatch").target_state == "in_transit"
    assert run(shop, "in_transit", "arrive").target_state == "delivered"


def test_submachine_name_collisions_are_refused(tmp_path: Path) -> None:
    file = tmp_path / "clash.yaml"
    file.write_text(
        "states:\n"
        "  - {name: a, type: initial}\n"
        "  - name: b\n"
        "    submachine:\n"
        "      states: [{name: a, type: initial}]\n"
        "transitions: []\n"
    )
    with pytest.raises(ConfigurationError, match="'a'"):
        StateMachine.from_yaml(file)
