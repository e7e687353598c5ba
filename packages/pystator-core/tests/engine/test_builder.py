"""``StateMachineBuilder`` builds in code exactly the machine the same YAML describes."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from pystator import ActionRegistry, GuardRegistry, StateMachine, StateMachineBuilder

FIXTURES = Path(__file__).parent / "fixtures"


def test_builder_produces_the_quick_start_configuration() -> None:
    builder = (
        StateMachineBuilder("order_management", version="1.0.0", strict_mode=True)
        .initial("pending")
        .state("open", "stable")
        .terminal("filled")
        .transition("exchange_ack", "pending", "open")
        .transition("fill", "open", "filled")
    )
    from_yaml = YAML(typ="safe", pure=True).load((FIXTURES / "order.yaml").read_text())
    assert builder.to_dict() == from_yaml


def test_built_and_loaded_machines_behave_alike(run: Any, load: Callable[..., StateMachine]) -> None:
    built = (
        StateMachineBuilder("order_management", version="1.0.0")
        .initial("pending")
        .state("open")
        .terminal("filled")
        .transition("exchange_ack", "pending", "open")
        .transition("fill", "open", "filled")
        .build()
    )
    loaded = load("order")
    for state, trigger in [
        ("pending", "exchange_ack"),
        ("open", "fill"),
        ("pending", "fill"),
        ("filled", "x"),
    ]:
        a, b = run(built, state, trigger), run(loaded, state, trigger)
        assert (a.success, a.target_state, a.metadata.get("reason")) == (
            b.success,
            b.target_state,
            b.metadata.get("reason"),
        )


def test_builder_registers_guards_and_actions(run: Any) -> None:
    guards, actions = GuardRegistry(), ActionRegistry()
    machine = (
        StateMachineBuilder("m")
        .initial("a")
        .state("b", on_enter=["notify"])
        .transition("go", "a", "b", guards=["allowed"])
        .guard("allowed", lambda ctx: ctx.get("ok", False))
        .action("notify", lambda ctx: None)
        .build(guards=guards, actions=actions)
    )
    assert machine.guard_registry is guards and "allowed" in guards
    assert machine.action_registry is actions and "notify" in actions
    assert run(machine, "a", "go", {"ok": True}).all_actions == ("notify",)
    assert not run(machine, "a", "go", {"ok": False}).success


def test_builder_compound_parallel_after_and_auto(run: Any) -> None:
    machine = (
        StateMachineBuilder("m")
        .meta(description="built")
        .initial("idle")
        .compound("busy", ["step_one", "step_two"])
        .parallel("both", {"left": ["l1", "l2"], "right": ["r1"]})
        .terminal("done")
        .transition("start", "idle", "busy")
        .transition("next", "step_one", "step_two")
        .after("2s", "step_two", "both")
        .transition("move", "l1", "l2")
        .auto("l2", "done")
        .build()
    )
    assert machine.description == "built"
    assert run(machine, "idle", "start").target_state == "step_one"
    fired = run(machine, "step_two", "__after__:step_two:2000")
    assert fired.target_state == "both[left=l1,right=r1]"
    assert run(machine, fired.target_state, "move").target_state == "done"


def test_builder_top_level_blocks() -> None:
    data = (
        StateMachineBuilder("m")
        .initial("a")
        .groups(g={"label": "G"})
        .state_variables("order_id", {"key": "qty", "type": "number", "required": True})
        .context_invariant("positive", field="qty", op="gt", value=0)
        .error_policy(default_fallback="a", retry_attempts=2)
        .to_dict()
    )
    assert data["groups"] == {"g": {"label": "G"}}
    assert data["state_variables"][1]["key"] == "qty"
    assert data["context_invariants"] == [
        {"name": "positive", "check": {"field": "qty", "op": "gt", "value": 0}}
    ]
    assert data["error_policy"] == {"default_fallback": "a", "retry_attempts": 2}
    assert StateMachine.from_dict(data).meta["groups"] == {"g": {"label": "G"}}
