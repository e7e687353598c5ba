"""An order's lifecycle: guards (registered, ``expr:``, ``check:``) and actions (params, effects).

Run it with ``python examples/basic_usage.py``. It loads ``order_fsm.yaml`` next to it, registers
the guard and actions that the YAML names, and drives three orders: one filled in two execution
reports, one cancelled, and one whose cancellation is refused because it is partly filled.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pystator import EntitySession, StateMachine, validate_config
from pystator.actions import ActionExecutor
from pystator.config import load_file

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "order_fsm.yaml"

positions: dict[str, float] = {}
notifications: list[str] = []


def build_machine() -> StateMachine:
    """Load the machine and bind the Python guard and actions its YAML refers to."""
    errors = validate_config(load_file(CONFIG), strict=False)
    if errors:
        raise SystemExit("\n".join(errors))
    machine = StateMachine.from_yaml(CONFIG)

    @machine.guard("is_full_fill")
    def is_full_fill(ctx: dict[str, Any]) -> bool:
        return bool(ctx.get("filled_qty", 0) + ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1))

    @machine.action("update_positions")
    def update_positions(ctx: dict[str, Any]) -> float:
        symbol = ctx.get("symbol", "?")
        positions[symbol] = positions.get(symbol, 0) + ctx.get("fill_qty", 0)
        return positions[symbol]

    @machine.action("notify")
    def notify(ctx: dict[str, Any], channel: str = "email", template: str = "") -> str:
        message = f"{channel}: {template} for order {ctx['order_id']}"
        notifications.append(message)
        return message

    return machine


def stateless(machine: StateMachine) -> None:
    """Pure computation: state in, state and planned actions out; run the actions after persisting."""
    print("== stateless process() ==")
    context = {"order_id": "A1", "symbol": "ACME", "order_qty": 100, "filled_qty": 0, "fill_qty": 100}
    result = machine.process("open", "execution_report", context)
    print("full fill:", result.success, result.source_state, "->", result.target_state)
    print("planned actions:", list(result.all_actions))
    # 1. persist result.target_state in your database, then 2. run the actions:
    execution = ActionExecutor(machine.action_registry).execute(result, context)
    print("actions succeeded:", execution.all_succeeded, "filled_qty:", execution.context["filled_qty"])

    rejected = machine.process("pending", "cancel", {"order_id": "A2", "filled_qty": 0})
    print("cancel without a reason:", rejected.success, rejected.metadata.get("reason"))


def session(machine: StateMachine) -> None:
    """EntitySession: one stateful object per order; with execute_actions=True it runs the actions."""
    print("== EntitySession ==")
    order = machine.create(
        context={"order_id": "B1", "symbol": "ACME", "order_qty": 100, "filled_qty": 0},
        execute_actions=True,
    )
    print("start:", order.current_state, "is_pending:", order.is_pending)
    order.send("exchange_ack")
    print("acknowledged:", order.current_state, "opened_at set:", "opened_at" in order.context)
    order.send("execution_report", fill_qty=40)
    print(
        "partial fill:",
        order.current_state,
        "filled_qty:",
        order.context["filled_qty"],
        "partial_fills:",
        order.context["partial_fills"],
    )
    refused = order.send("cancel", cancel_reason="changed my mind")
    print(
        "cancel after a partial fill:",
        refused.success,
        refused.metadata.get("reason"),
        order.current_state,
    )
    order.send("execution_report", fill_qty=60)
    print("second fill:", order.current_state, "filled_qty:", order.context["filled_qty"])
    print("final:", order.is_final)

    snapshot = order.snapshot()
    restored = EntitySession.from_snapshot(machine, snapshot)
    print("restored from snapshot:", restored.current_state)

    other = machine.create(context={"order_id": "B2", "order_qty": 10, "filled_qty": 0}, execute_actions=True)
    other.exchange_ack()
    other.cancel(cancel_reason="client request")
    print("cancelled order:", other.current_state)


def main() -> None:
    machine = build_machine()
    stateless(machine)
    session(machine)
    print("positions:", positions)
    print("notifications:")
    for message in notifications:
        print("  " + message)


if __name__ == "__main__":
    main()
