"""Loading and validating machine configurations: a generated machine of 500 states (compound
states, a parallel state, guards and actions) read from YAML, validated, normalized and linted."""

from __future__ import annotations

import json
import time

from _figures import Figure

STATES = 500


def machine(states: int = STATES) -> dict[str, object]:
    """A chain of compound states with two children each, a parallel state and guarded transitions."""
    definitions: list[dict[str, object]] = [{"name": "s0", "type": "initial"}]
    transitions: list[dict[str, object]] = []
    groups = states // 3
    for g in range(groups):
        parent, a, b = f"g{g}", f"g{g}_a", f"g{g}_b"
        definitions += [
            {"name": parent, "initial_child": a, "on_enter": [{"set": {"at": parent}}, "log"]},
            {"name": a, "parent": parent},
            {"name": b, "parent": parent, "timeout": {"seconds": 30, "destination": a}},
        ]
        previous = "s0" if g == 0 else f"g{g - 1}_b"
        transitions += [
            {"trigger": "next", "source": previous, "dest": parent, "guards": [{"expr": "qty > 0"}]},
            {"trigger": "step", "source": a, "dest": b, "actions": [{"increment": "steps"}]},
            {"trigger": "reset", "source": parent, "dest": "s0"},
        ]
    definitions += [
        {
            "name": "par",
            "type": "parallel",
            "regions": [
                {"name": "left", "initial": "l1", "states": ["l1", "l2"]},
                {"name": "right", "initial": "r1", "states": ["r1"]},
            ],
        },
        {"name": "l1"},
        {"name": "l2"},
        {"name": "r1"},
        {"name": "end", "type": "terminal"},
    ]
    transitions += [
        {"trigger": "split", "source": f"g{groups - 1}_b", "dest": "par"},
        {"trigger": "move", "source": "l1", "dest": "l2", "region": "left"},
        {"trigger": "finish", "source": "par", "dest": "end"},
    ]
    return {"meta": {"machine_name": "bench"}, "states": definitions, "transitions": transitions}


def best_ms(fn: object, repeats: int = 5) -> float:
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        best = min(best, time.perf_counter() - started)
    return best * 1000


def run() -> list[Figure]:
    from pystator.config import load_json, load_yaml, parse_machine_config, validate_config
    from pystator.lint import lint

    data = machine()
    count = len(data["states"])  # type: ignore[arg-type]
    text = json.dumps(data, indent=1)  # JSON is YAML 1.2 too: the same document for both readers
    validate_config(data)  # build the models once, as a long-running process would
    note = f"{count} states, {len(data['transitions'])} transitions"  # type: ignore[arg-type]
    size = f"{len(text)} bytes"
    return [
        Figure("validate_config (structure + semantics)", best_ms(lambda: validate_config(data)), "ms",
               "< 100 ms", note),
        Figure("parse_machine_config (normalized MachineConfig)", best_ms(lambda: parse_machine_config(data)),
               "ms", "", note),
        Figure("load_yaml of the same machine (ruamel, pure Python)", best_ms(lambda: load_yaml(text)), "ms",
               "", size),
        Figure("load_json of the same machine", best_ms(lambda: load_json(text)), "ms", "", size),
        Figure("lint", best_ms(lambda: lint(data)), "ms", "", note),
    ]  # fmt: skip
