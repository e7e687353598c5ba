"""The web UI: the built single-page app (``ui_dist/``, packaged inside this distribution) served
under ``/ui/``, every unknown path below it answered with ``index.html`` so that the UI's own
addresses can be opened and reloaded."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, HTTPException
from fastapi.responses import FileResponse

__all__ = ["UI_DIST", "install_ui"]

UI_DIST = Path(__file__).resolve().parent / "ui_dist"
# Hashed asset files never change; the page itself must be revalidated to pick up a new build.
_IMMUTABLE = {"Cache-Control": "public, max-age=31536000, immutable"}
_REVALIDATE = {"Cache-Control": "no-cache"}


def install_ui(app: FastAPI, dist: Path = UI_DIST) -> bool:
    """Serve the UI from ``dist`` when it has been built; returns whether it was installed."""
    index = dist / "index.html"
    if not index.is_file():
        return False
    root = dist.resolve()

    @app.get("/ui", include_in_schema=False)
    @app.get("/ui/{path:path}", include_in_schema=False)
    async def ui_file(path: str = "") -> FileResponse:
        if path:
            candidate = (root / path).resolve()
            if candidate.is_relative_to(root) and candidate.is_file():
                headers = _IMMUTABLE if candidate.parent.name == "assets" else _REVALIDATE
                return FileResponse(candidate, headers=headers)
            if path.startswith("assets/"):
                raise HTTPException(404, f"no such UI asset: {path}")
        return FileResponse(index, headers=_REVALIDATE)

    return True
