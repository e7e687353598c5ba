"""Which PyStator distributions are installed, and at which versions."""

from __future__ import annotations

from importlib import metadata

__all__ = ["FAMILY", "installed_versions"]

FAMILY = (
    "pystator",
    "pystator-contracts",
    "pystator-core",
    "pystator-stores",
    "pystator-scheduler",
    "pystator-worker",
    "pystator-api",
    "pystator-cli",
)


def installed_versions() -> dict[str, str]:
    """Version of every installed member of the PyStator family, by distribution name."""
    found: dict[str, str] = {}
    for name in FAMILY:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return found
