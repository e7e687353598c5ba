"""Turning raw configuration (a file, a dict) into a validated ``MachineConfig`` for the engine.

Delegates to ``pystator.config`` (loading, structural and semantic validation, normalisation such as
flattening submachines) when it provides ``parse_machine_config``; otherwise validates the structure
with the contract models directly.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator_contracts.machine import MachineConfig

__all__ = ["load_mapping", "parse_config", "validation_errors"]


def load_mapping(path: str | Path) -> dict[str, Any]:
    """Read a YAML or JSON machine file into a dict (YAML read safely)."""
    from pystator import config as config_module

    loader = getattr(config_module, "load_file", None)
    if loader is not None:
        return loader(path)  # type: ignore[no-any-return]
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigurationError(f"{file}: cannot read the machine file ({exc.strerror or exc})") from exc
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"{file}: invalid JSON at line {exc.lineno}: {exc.msg}") from exc
    else:
        from ruamel.yaml import YAML
        from ruamel.yaml.error import YAMLError

        try:
            data = YAML(typ="safe", pure=True).load(text)
        except YAMLError as exc:
            raise ConfigurationError(f"{file}: invalid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigurationError(f"{file}: expected a mapping at the top level, got {type(data).__name__}")
    return data


def parse_config(data: Mapping[str, Any], *, base_path: Path | None = None) -> MachineConfig:
    """Validate raw configuration into a ``MachineConfig``; ``ConfigurationError`` lists every problem."""
    from pystator import config as config_module

    parser = getattr(config_module, "parse_machine_config", None)
    if parser is not None:
        return parser(data, base_path=base_path)  # type: ignore[no-any-return]
    from pydantic import ValidationError

    from pystator_contracts.machine import MachineConfig

    if not isinstance(data, Mapping):
        raise ConfigurationError(f"machine configuration: expected a mapping, got {type(data).__name__}")
    try:
        return MachineConfig.model_validate(dict(data))
    except ValidationError as exc:
        problems = [f"{_location(error['loc'])}: {error['msg']}" for error in exc.errors()]
        raise ConfigurationError("", errors=problems) from None


def validation_errors(data: Mapping[str, Any] | MachineConfig, *, strict: bool = False) -> list[str]:
    """Every problem of a configuration as readable strings; ``strict`` raises them instead."""
    from pystator import config as config_module

    validator = getattr(config_module, "validate_config", None)
    if validator is not None:
        return validator(data, strict=strict)  # type: ignore[no-any-return]
    from pystator.engine.compiler import compile_machine
    from pystator.engine.guards import GuardBinding
    from pystator.guards import GuardRegistry

    try:
        config = data if not isinstance(data, Mapping) else parse_config(data)
        compile_machine(config, GuardBinding(GuardRegistry(), strict=False))
    except ConfigurationError as exc:
        if strict:
            raise
        return list(exc.errors)
    return []


def _location(loc: tuple[Any, ...]) -> str:
    path = ""
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path or "(root)"
