"""The JSON Schema of the machine format, generated from the Pydantic models.

The generated schema is committed as ``machine.schema.json`` beside this module (and shipped in
the wheel) so that editors can validate ``*.fsm.yaml`` files; regenerate it with::

    python -m pystator_contracts.schema --write

A test fails when the committed file differs from what the models generate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

__all__ = ["SCHEMA_DIALECT", "SCHEMA_PATH", "machine_json_schema", "machine_schema_text"]

SCHEMA_PATH = Path(__file__).with_name("machine.schema.json")
SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_WHITESPACE = re.compile(r"\s+")


def machine_json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a machine configuration file."""
    from pystator_contracts.machine import MachineConfig

    generated = MachineConfig.model_json_schema(mode="validation", by_alias=True)
    schema: dict[str, Any] = {
        "$schema": SCHEMA_DIALECT,
        "title": "PyStator machine configuration",
        "description": (
            "A PyStator state machine: meta, states, transitions and the optional blocks of the "
            "configuration reference. Semantic rules (references exist, one initial state, ...) are "
            "checked by pystator's validate_config, not by this schema."
        ),
    }
    schema.update({k: v for k, v in generated.items() if k not in ("title", "description")})
    tidy: dict[str, Any] = _tidy(schema)
    return tidy


def machine_schema_text() -> str:
    """The schema as committed: two-space indented JSON with a final newline."""
    return json.dumps(machine_json_schema(), indent=2, ensure_ascii=False) + "\n"


def _tidy(value: Any) -> Any:
    """Fold docstring line breaks in descriptions so editors show one paragraph."""
    if isinstance(value, dict):
        return {
            k: _WHITESPACE.sub(" ", v).strip() if k == "description" and isinstance(v, str) else _tidy(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_tidy(v) for v in value]
    return value
