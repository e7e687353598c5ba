"""Store URLs: ``memory://``, ``sqlite:///path``, ``postgresql://...``, ``redis://...``.

SQLite paths follow the usual convention: ``sqlite:///relative.db`` is relative to the working
directory, ``sqlite:////abs/path.db`` is absolute, and ``sqlite://`` alone means ``pystator.db`` in
the working directory (the embedded default).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["DEFAULT_SQLITE_PATH", "StoreURL", "parse_store_url"]

DEFAULT_SQLITE_PATH = "pystator.db"

Backend = Literal["memory", "sqlite", "postgresql", "redis"]

_POSTGRES_SCHEMES = (
    "postgresql",
    "postgres",
    "postgresql+asyncpg",
    "postgresql+psycopg",
    "postgresql+psycopg2",
)
_REDIS_SCHEMES = ("redis", "rediss", "unix")


@dataclass(frozen=True, slots=True)
class StoreURL:
    """A parsed store URL: ``target`` is the file path (SQLite) or the URL the driver takes."""

    backend: Backend
    target: str


def parse_store_url(url: str) -> StoreURL:
    if not isinstance(url, str) or "://" not in url:
        raise ValueError(
            "store URL: expected 'memory://', 'sqlite:///path', 'postgresql://...' or 'redis://...', "
            f"got {url!r}"
        )
    scheme, rest = url.split("://", 1)
    scheme = scheme.lower()
    if scheme == "memory":
        return StoreURL("memory", "")
    if scheme == "sqlite":
        return StoreURL("sqlite", _sqlite_path(rest))
    if scheme in _POSTGRES_SCHEMES:
        return StoreURL("postgresql", f"postgresql://{rest}")
    if scheme in _REDIS_SCHEMES:
        return StoreURL("redis", url)
    raise ValueError(
        f"store URL {url!r}: unknown scheme {scheme!r}; expected memory, sqlite, postgresql or redis"
    )


def _sqlite_path(rest: str) -> str:
    path = rest[1:] if rest.startswith("/") else rest
    path = path.split("?", 1)[0]
    if path in ("", "/"):
        return str(Path.cwd() / DEFAULT_SQLITE_PATH)
    if path == ":memory:" or path.startswith("file::memory:"):
        raise ValueError(
            "sqlite:///:memory: is private to one connection and cannot be shared; use memory:// instead"
        )
    return str(Path(path) if Path(path).is_absolute() else Path.cwd() / path)
