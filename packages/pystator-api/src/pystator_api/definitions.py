"""Machine definitions received over HTTP: parsed, validated and compiled, never reading files.

A definition arrives as YAML or JSON text, or as an object. ``submachine`` file references are
refused (a client must not make the server read its files); inline submachines work.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pystator.config import load_json, load_yaml
from pystator.errors import ConfigurationError
from pystator.stores.machines import MachineFormat

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig

__all__ = ["Definition", "compile_definition", "parse_definition", "validate_definition"]

MAX_SOURCE_CHARS = 512 * 1024


@dataclass(frozen=True, slots=True)
class Definition:
    """A valid machine definition: the source text, its format and the normalized configuration."""

    source: str
    format: MachineFormat
    config: MachineConfig

    def config_json(self) -> dict[str, Any]:
        dumped: dict[str, Any] = self.config.model_dump(mode="json", by_alias=True, exclude_none=True)
        return dumped


def _refuse_files(path: Path) -> Mapping[str, Any]:
    from pystator_contracts.normalize import SubmachineLoadError

    raise SubmachineLoadError(
        ["submachine file references are not accepted over the API: inline the submachine"]
    )


def read_source(
    source: str | Mapping[str, Any], format: MachineFormat | None
) -> tuple[dict[str, Any], str, MachineFormat]:
    """Plain data from text (YAML, or JSON when ``format`` says so or the text starts with ``{``) or an
    object; ``ConfigurationError`` for unreadable text."""
    if isinstance(source, Mapping):
        data = dict(source)
        return data, json.dumps(data, indent=2, sort_keys=False), "json"
    fmt: MachineFormat = format or ("json" if source.lstrip().startswith("{") else "yaml")
    if fmt == "json":
        return load_json(source, source="machine", max_chars=MAX_SOURCE_CHARS), source, fmt
    return load_yaml(source, source="machine", max_chars=MAX_SOURCE_CHARS), source, fmt


def validate_definition(data: Mapping[str, Any]) -> tuple[MachineConfig | None, list[str]]:
    """The normalized configuration (None when invalid) and every problem."""
    from pystator_contracts.validation import validate_machine

    outcome = validate_machine(data, base_path=None, load=_refuse_files)
    return (outcome.config if not outcome.errors else None), list(outcome.errors)


def parse_definition(
    source: str | Mapping[str, Any], format: MachineFormat | None = None, *, machine_id: str | None = None
) -> Definition:
    """A valid ``Definition``; ``ConfigurationError`` listing every problem otherwise.

    With ``machine_id``, ``meta.machine_name`` must be absent (it is set to the id) or equal to it:
    entities record the machine by that name.
    """
    data, text, fmt = read_source(source, format)
    if machine_id is not None:
        meta = data.get("meta")
        if isinstance(meta, Mapping):
            name = meta.get("machine_name")
            if name not in (None, "", machine_id):
                raise ConfigurationError(
                    "",
                    errors=[
                        f"meta.machine_name: {name!r} differs from the machine id {machine_id!r}; "
                        "make them equal"
                    ],
                )
            data = {**data, "meta": {**meta, "machine_name": machine_id}}
        elif meta is None:
            data = {**data, "meta": {"machine_name": machine_id}}
    config, errors = validate_definition(data)
    if config is None:
        raise ConfigurationError("", errors=errors)
    return Definition(text, fmt, config)


def compile_definition(config_json: Mapping[str, Any]) -> Any:
    """A ``StateMachine`` (with the built-in actions and guards) from a stored configuration."""
    from pystator.actions import builtin_registries
    from pystator.machine import StateMachine

    config, errors = validate_definition(config_json)
    if config is None:
        raise ConfigurationError("", errors=errors)
    guards, actions = builtin_registries()
    return StateMachine.from_config(config, guards=guards, actions=actions)
