"""``python -m pystator_contracts.schema``: print the machine JSON Schema, ``--write`` it to the
committed file, or ``--check`` that the committed file is current (exit status 1 when not)."""

from __future__ import annotations

import argparse
import sys

from pystator_contracts.schema import SCHEMA_PATH, machine_schema_text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pystator_contracts.schema", description=__doc__)
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help=f"write {SCHEMA_PATH.name} beside the module")
    action.add_argument("--check", action="store_true", help="fail when the committed file is stale")
    args = parser.parse_args(argv)
    text = machine_schema_text()
    if args.write:
        SCHEMA_PATH.write_text(text, encoding="utf-8")
        print(f"wrote {SCHEMA_PATH}")
        return 0
    if args.check:
        current = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if current != text:
            print(f"{SCHEMA_PATH} is stale: run python -m pystator_contracts.schema --write", file=sys.stderr)
            return 1
        print(f"{SCHEMA_PATH} is current")
        return 0
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
