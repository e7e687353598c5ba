"""``uvicorn pystator_api.main:app`` (and ``pystator.api.main:app``): the app for ``Settings.load()``."""

from __future__ import annotations

from pystator_api.app import create_app

__all__ = ["app"]

app = create_app()
