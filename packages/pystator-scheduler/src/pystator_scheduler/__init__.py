"""Schedulers for PyStator delayed transitions and state timeouts: Redis and Celery."""

from pystator_scheduler._version import __version__

__all__ = ["__version__"]
