"""State stores for PyStator: SQLite (embedded default), PostgreSQL (asyncpg) and Redis."""

from pystator_stores._version import __version__

__all__ = ["__version__"]
