"""Which machines a worker applies events to: a mapping of names to ``StateMachine`` objects, or
YAML/JSON files (a file, or every ``*.yaml``/``*.yml``/``*.json`` in a directory).

An event names its machine (``submit_event(..., machine="order")``); an event that names none goes
to the worker's only machine, or to ``default_machine`` when there are several. A file's machine is
registered under ``meta.machine_name``, else the file's stem.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pystator.errors import ConfigurationError
from pystator.machine import StateMachine

__all__ = ["MachineSource", "UnknownMachineError", "load_machines"]

MachineSource = Mapping[str, StateMachine] | StateMachine | str | os.PathLike[str]
_SUFFIXES = (".yaml", ".yml", ".json")


class UnknownMachineError(LookupError):
    """An event names a machine this worker does not have."""


def _from_file(path: Path) -> tuple[str, StateMachine]:
    machine = StateMachine.from_json(path) if path.suffix == ".json" else StateMachine.from_yaml(path)
    return machine.name or path.stem, machine


def load_machines(source: MachineSource) -> dict[str, StateMachine]:
    """The machines by name; a ``ValueError`` naming the problem when ``source`` gives none."""
    if isinstance(source, StateMachine):
        return {source.name or "machine": source}
    if isinstance(source, Mapping):
        return _from_mapping(source)
    path = Path(source)
    if path.is_file():
        name, machine = _from_file(path)
        return {name: machine}
    if path.is_dir():
        return _from_directory(path)
    raise ValueError(f"machines: {path} is neither a machine file nor a directory")


def _from_mapping(source: Mapping[str, StateMachine]) -> dict[str, StateMachine]:
    machines: dict[str, StateMachine] = {}
    for name, machine in source.items():
        if not isinstance(name, str) or not name:
            raise ValueError(f"machines: expected non-empty names, got {name!r}")
        if not isinstance(machine, StateMachine):
            raise ValueError(f"machines[{name!r}]: expected a StateMachine, got {type(machine).__name__}")
        machines[name] = machine
    if not machines:
        raise ValueError("machines: expected at least one machine, got an empty mapping")
    return machines


def _from_directory(path: Path) -> dict[str, StateMachine]:
    found: dict[str, StateMachine] = {}
    for file in sorted(p for p in path.iterdir() if p.suffix in _SUFFIXES and p.is_file()):
        try:
            name, machine = _from_file(file)
        except ConfigurationError as exc:
            raise ConfigurationError(f"{file}: {exc.message}", errors=exc.errors) from exc
        if name in found:
            raise ValueError(f"machines: two files define the machine {name!r} (the second is {file})")
        found[name] = machine
    if not found:
        raise ValueError(f"machines: no *.yaml, *.yml or *.json file in {path}")
    return found
