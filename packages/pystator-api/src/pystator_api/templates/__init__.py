"""Starter machine definitions shipped with the API (``GET /api/v1/templates``; ``pystator up``
stores them when no ``--machines`` directory is given)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

__all__ = ["Template", "load_templates", "templates_in"]


@dataclass(frozen=True, slots=True)
class Template:
    name: str
    source: str
    format: str


def templates_in(directory: Path) -> list[Template]:
    """Every ``*.yaml``, ``*.yml`` and ``*.json`` file of ``directory``, by name."""
    found = []
    for path in sorted(directory.iterdir()):
        if path.suffix in (".yaml", ".yml", ".json") and path.is_file():
            fmt = "json" if path.suffix == ".json" else "yaml"
            found.append(Template(path.stem, path.read_text(encoding="utf-8"), fmt))
    return found


def load_templates() -> list[Template]:
    """The bundled templates."""
    found = []
    for entry in sorted(resources.files(__name__).iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml") and entry.is_file():
            found.append(
                Template(entry.name.removesuffix(".yaml"), entry.read_text(encoding="utf-8"), "yaml")
            )
    return found
