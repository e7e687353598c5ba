"""``pystator machines paths``: the event paths from the initial state to every state (or through
every transition), for model-based tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from pystator_cli.machine_files import load_machine
from pystator_cli.output import EXIT_PROBLEMS, fail, print_json

__all__ = ["paths"]


def paths(
    file: Annotated[Path, typer.Argument(help="Machine file (YAML, or JSON by the .json suffix).")],
    *,
    transitions: Annotated[
        bool, typer.Option("--transitions", help="A path through every transition, not to every state.")
    ] = False,
    context: Annotated[
        str | None, typer.Option("--context", help="JSON object: the context every step is processed with.")
    ] = None,
    events: Annotated[
        str | None,
        typer.Option("--events", help='JSON object: payloads per trigger, e.g. {"fill": [{"qty": 5}]}.'),
    ] = None,
    max_depth: Annotated[int, typer.Option("--max-depth", min=1, help="Longest path explored.")] = 32,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Print the shortest event path to every reachable state (or, with --transitions, a shortest
    path taking each transition; transitions never taken are listed after them)."""
    from pystator.analysis import shortest_paths, transition_paths

    machine = load_machine("machines paths", file)
    options: dict[str, Any] = {
        "context": _json_object("--context", context),
        "events": _json_object("--events", events),
        "max_depth": max_depth,
    }
    if transitions:
        infos = {info.index: info for info in machine.transitions}
        found = transition_paths(machine, **options)
        entries: list[dict[str, Any]] = [
            {
                "transition": index,
                "trigger": infos[index].trigger,
                "dest": infos[index].dest,
                "path": found[index],
            }
            for index in sorted(found)
        ]
        never = [index for index in infos if index not in found]
    else:
        found_states = shortest_paths(machine, **options)
        entries = [{"state": state, "path": path} for state, path in found_states.items()]
        never = []
    if as_json:
        print_json(
            {
                "initial_state": machine.initial_state,
                "paths": [{**e, "path": [_step(s) for s in e["path"].steps]} for e in entries],
                "never_taken": never,
            }
        )
        return
    for entry in entries:
        trigger = entry.get("trigger") or "(eventless)"
        label = entry["state"] if "state" in entry else f"#{entry['transition']} {trigger}"
        typer.echo(f"{label}: {entry['path']}")
    for index in never:
        info = machine.transitions[index]
        typer.echo(f"#{index} {info.trigger or '(eventless)'}: never taken", err=True)


def _step(step: Any) -> dict[str, Any]:
    return {
        "trigger": step.trigger,
        "payload": dict(step.payload),
        "source": step.source,
        "target": step.target,
    }


def _json_object(option: str, text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        fail("machines paths", f"{option}: expected a JSON object ({exc.msg})", EXIT_PROBLEMS)
    if not isinstance(value, dict):
        fail("machines paths", f"{option}: expected a JSON object, got {type(value).__name__}", EXIT_PROBLEMS)
    return value
