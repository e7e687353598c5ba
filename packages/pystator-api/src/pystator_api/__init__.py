"""The PyStator REST API (FastAPI): ``create_app(settings)``; ``pystator_api.main:app`` for uvicorn."""

from pystator_api._version import __version__
from pystator_api.app import create_app

__all__ = ["__version__", "create_app"]
