"""``python -m pystator.session MACHINE_FILE [CLASS_NAME]``: print the typed session stub module."""

from __future__ import annotations

import sys
from pathlib import Path

from pystator.machine import StateMachine
from pystator.session.stub import session_stub_source

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """``python -m pystator.session MACHINE_FILE [CLASS_NAME]``: print the stub module."""
    args = sys.argv[1:] if argv is None else argv
    if not args or len(args) > 2:
        print("usage: python -m pystator.session MACHINE_FILE [CLASS_NAME]", file=sys.stderr)
        return 2
    path = Path(args[0])
    machine = StateMachine.from_json(path) if path.suffix == ".json" else StateMachine.from_yaml(path)
    sys.stdout.write(session_stub_source(machine, class_name=args[1] if len(args) == 2 else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
