"""The PyStator durable worker queue: submit_event, worker_events and the worker process."""

from pystator_worker._version import __version__

__all__ = ["__version__"]
