"""The asyncpg import, with an error that names the extra to install when it is missing."""

from __future__ import annotations

try:
    import asyncpg
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    if exc.name != "asyncpg":
        raise
    raise ImportError(
        "PostgreSQL support needs the asyncpg driver: pip install 'pystator-stores[postgres]'",
        name="asyncpg",
    ) from exc

__all__ = ["asyncpg"]
