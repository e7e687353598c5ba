"""The product README's condensed API reference for ``StateMachine`` and ``TransitionResult``, run
line by line (the other API reference blocks are in the README section modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pystator import DestinationCheckResult, ParallelConfiguration, StateMachine, TransitionResult

CONFIG_YAML = """\
meta:
  version: "1.0.0"
  machine_name: "desk"
states:
  - name: pending
    type: initial
  - name: open
  - name: filled
    type: terminal
  - name: parallel_state_name
    type: parallel
    regions:
      - name: orders
        initial: idle
        states: [idle, working]
      - name: risk
        initial: normal
        states: [normal, breached]
  - name: idle
  - name: working
  - name: normal
  - name: breached
transitions:
  - trigger: exchange_ack
    source: pending
    dest: open
  - trigger: confirm
    source: pending
    dest: open
  - trigger: fill
    source: open
    dest: filled
    guards:
      - expr: "fill_qty >= order_qty"
  - trigger: trade
    source: open
    dest: parallel_state_name
  - trigger: submit
    source: idle
    dest: working
"""


@pytest.fixture(autouse=True)
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.yaml").write_text(CONFIG_YAML, encoding="utf-8")
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def config_dict() -> dict[str, Any]:
    from ruamel.yaml import YAML

    loaded: dict[str, Any] = YAML(typ="safe").load(CONFIG_YAML)
    return loaded


async def test_state_machine_reference(config_dict: dict[str, Any]) -> None:
    # Create
    machine = StateMachine.from_yaml("config.yaml")
    machine = StateMachine.from_dict(config_dict)
    # Process (sync)
    current_state, trigger, context = "pending", "exchange_ack", {}
    result = machine.process(current_state, trigger, context)
    assert result.target_state == "open"
    # Process (async, for async guards)
    result = await machine.aprocess(current_state, trigger, context)
    assert result.target_state == "open"
    # Parallel states
    config = machine.enter_parallel_state("parallel_state_name")
    assert isinstance(config, ParallelConfiguration)
    event, context = "submit", {}
    config, results = machine.process_parallel(config, event, context)
    assert dict(config.regions) == {"orders": "working", "risk": "normal"}
    assert [r.target_state for r in results] == ["working"]
    # Queries
    assert machine.get_initial_state().name == "pending"
    assert {t.trigger for t in machine.get_available_transitions("pending")} == {"exchange_ack", "confirm"}
    # Target state without a trigger (e.g. validate an incoming status string)
    context = {"fill_qty": 1, "order_qty": 1}
    check = machine.evaluate_destination("pending", "open", context)
    assert isinstance(check, DestinationCheckResult)
    assert check.allowed  # True if at least one transition reaches "open"
    assert [c.trigger for c in check.candidates] == ["exchange_ack", "confirm"]  # guards applied
    assert check.is_ambiguous  # True if multiple triggers can reach the destination
    assert machine.can_transition_to("pending", "open", context)  # bool shortcut
    assert not machine.evaluate_destination("open", "filled", {"fill_qty": 0, "order_qty": 1}).allowed
    assert not machine.can_transition_to("open", "pending", context)


def test_transition_result_reference() -> None:
    machine = StateMachine.from_yaml("config.yaml")
    result = machine.process("open", "fill", {"fill_qty": 0, "order_qty": 1})
    assert isinstance(result, TransitionResult)
    assert isinstance(result.success, bool) and result.success is False
    assert isinstance(result.source_state, str)
    assert result.target_state is None
    assert result.trigger == "fill"
    assert isinstance(result.all_actions, tuple)
    assert result.error is not None
    assert result.metadata["reason"] == "guard_rejected" and "guard_name" in result.metadata
