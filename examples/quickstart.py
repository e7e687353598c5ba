"""The product README's quick start: load a YAML machine and process one event, purely."""

from __future__ import annotations

from pathlib import Path

from pystator import StateMachine

HERE = Path(__file__).resolve().parent


def main() -> None:
    machine = StateMachine.from_yaml(HERE / "order_fsm.yaml")
    result = machine.process("pending", "exchange_ack", {})
    print(result.success)  # True
    print(result.target_state)  # open


if __name__ == "__main__":
    main()
