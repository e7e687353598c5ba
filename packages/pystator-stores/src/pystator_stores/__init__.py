"""State stores for PyStator: SQLite (embedded default), PostgreSQL (asyncpg) and Redis.

``open_store(url)`` builds the store a URL names; the classes live in ``pystator_stores.sqlite``,
``pystator_stores.postgres`` and ``pystator_stores.redis`` (also reachable as
``pystator.stores.SQLiteStateStore`` and so on), and ``pystator_stores.migrations`` runs the schema
migrations that ``pystator db upgrade`` applies. Importing this package imports no driver.
"""

from pystator_stores._version import __version__
from pystator_stores.factory import open_store
from pystator_stores.urls import DEFAULT_SQLITE_PATH, StoreURL, parse_store_url

__all__ = ["DEFAULT_SQLITE_PATH", "StoreURL", "__version__", "open_store", "parse_store_url"]
