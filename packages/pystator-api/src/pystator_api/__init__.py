"""The PyStator REST API (FastAPI) and the server of the web UI."""

from pystator_api._version import __version__

__all__ = ["__version__"]
