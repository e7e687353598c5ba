"""``uvicorn pystator.api.main:app`` forwards to ``pystator_api.main:app``."""

from __future__ import annotations

try:
    from pystator_api.main import app  # type: ignore[import-not-found, unused-ignore]
except ModuleNotFoundError as exc:  # pragma: no cover - exercised by the boundary test in a subprocess
    if exc.name is not None and exc.name.split(".")[0] == "pystator_api":
        raise ImportError(
            "pystator.api.main needs the 'pystator-api' distribution: pip install 'pystator[api]'"
        ) from exc
    raise

__all__ = ["app"]
