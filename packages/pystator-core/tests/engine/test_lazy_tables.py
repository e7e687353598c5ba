"""Candidate tables are arranged on first use: a state's table is a placeholder until something
reads it, and reading it gives the same candidates as before (own first, then inherited). Loading
still refuses every invalid transition at once."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from pystator import ConfigurationError, StateMachine
from pystator.engine.nodes import PendingTable
from pystator_contracts.machine import MachineConfig


def nested() -> dict[str, Any]:
    return {
        "states": [
            {"name": "idle", "type": "initial"},
            {"name": "work", "initial_child": "step1"},
            {"name": "step1", "parent": "work"},
            {"name": "step2", "parent": "work"},
            {"name": "done", "type": "terminal"},
        ],
        "transitions": [
            {"trigger": "start", "source": "idle", "dest": "work"},
            {"trigger": "next", "source": "step1", "dest": "step2"},
            {"trigger": "abort", "source": "work", "dest": "idle"},
            {"trigger": "abort", "source": "step2", "dest": "done"},
        ],
    }


def test_tables_wait_for_first_use_and_inherit_from_ancestors() -> None:
    machine = StateMachine.from_dict(nested())
    states = machine._compiled.states
    assert all(isinstance(node.table, PendingTable) for node in states.values())
    result = machine.process("step2", "abort")
    assert result.target_state == "done"  # its own candidate before the inherited one
    assert isinstance(states["work"].table, dict)  # the ancestor's table was arranged first
    assert [c.transition.index for c in states["step2"].table["abort"]] == [3, 2]
    assert machine.process("step1", "abort").target_state == "idle"
    assert isinstance(states["idle"].table, PendingTable)  # never read yet


def test_forgetting_memos_leaves_pending_tables_alone() -> None:
    machine = StateMachine.from_dict(nested())
    machine.process("idle", "start")
    machine._kernel.forget()
    assert isinstance(machine._compiled.states["step2"].table, PendingTable)
    assert machine.process("idle", "start").target_state == "step1"


def test_queries_read_pending_tables() -> None:
    machine = StateMachine.from_dict(nested())
    assert [t.trigger for t in machine.get_available_transitions("step1")] == ["next", "abort"]
    assert machine.process("idle", "nope").success is False


def test_threads_arranging_the_same_tables_agree() -> None:
    machine = StateMachine.from_dict(nested())
    results: list[str | None] = []

    def run() -> None:
        results.append(machine.process("step2", "abort").target_state)

    threads = [threading.Thread(target=run) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["done"] * 8


def test_an_unvalidated_config_is_still_refused_when_the_machine_is_built() -> None:
    data = nested()
    data["transitions"].append({"trigger": "go", "source": "step1", "dest": "nowhere"})
    config = MachineConfig.model_validate(data)  # structure only: no semantic validation
    with pytest.raises(ConfigurationError, match=r"transitions\[4\]\.dest: unknown state 'nowhere'"):
        StateMachine(config)
