"""A portfolio optimisation workflow: hierarchical (compound) states and history.

Run it with ``python examples/portfolio_optimization_example.py``. ``optimizing`` contains
``collecting_data``, ``estimating`` (itself containing ``covariance`` and ``expected_returns``) and
``solving``; ``pause`` and ``abort`` are defined once on the parent and apply in every child.
After a pause, ``resume`` (shallow history, ``H(optimizing)``) returns to the child that was active,
entering it afresh, while ``resume_exact`` (deep history, ``H*(optimizing)``) returns to the exact
leaf. The history records travel in the context under ``_history``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pystator import StateMachine
from pystator.engine import merge_history

HERE = Path(__file__).resolve().parent

steps: list[str] = []


def build_machine() -> StateMachine:
    machine = StateMachine.from_yaml(HERE / "portfolio_optimization_fsm.yaml")

    @machine.action("log_step")
    def log_step(ctx: dict[str, Any], step: str) -> None:
        steps.append(step)

    return machine


def history(machine: StateMachine) -> None:
    print("== shallow and deep history (stateless) ==")
    paused = machine.process("expected_returns", "pause", {})
    print("pause from expected_returns:", paused.target_state, dict(paused.history_updates))
    context = merge_history({}, paused)
    print("resume (shallow):", machine.process("paused", "resume", context).target_state)
    print("resume_exact (deep):", machine.process("paused", "resume_exact", context).target_state)
    print("resume with no record:", machine.process("paused", "resume", {}).target_state)


def workflow(machine: StateMachine) -> None:
    print("== a run with a pause and a retry (EntitySession) ==")
    run = machine.create(context={"max_volatility": 0.2, "attempts": 0, "pauses": 0}, execute_actions=True)
    for trigger in ("start", "data_ready", "covariance_done"):
        run.send(trigger)
    print(run.current_state, "active:", sorted(machine.active_states(run.current_state)))
    run.send("pause")
    print(run.current_state, "pauses:", run.context["pauses"])
    run.send("resume_exact")
    print("resumed at:", run.current_state)
    run.send("returns_done")
    run.send("solved", expected_return=0.03, volatility=0.1)
    print("first solve rejected, back to:", run.current_state, "attempts:", run.context["attempts"])
    for trigger in ("data_ready", "covariance_done", "returns_done"):
        run.send(trigger)
    run.send("solved", expected_return=0.07, volatility=0.15)
    print("accepted:", run.current_state)
    run.send("orders_generated")
    run.send("executed")
    print("done:", run.current_state, "final:", run.is_final)

    aborted = machine.create(context={"max_volatility": 0.2})
    aborted.send("start")
    aborted.send("data_ready")
    aborted.send("abort")
    print("abort from a nested state:", aborted.current_state)


def main() -> None:
    machine = build_machine()
    history(machine)
    workflow(machine)
    print("steps:", steps)


if __name__ == "__main__":
    main()
