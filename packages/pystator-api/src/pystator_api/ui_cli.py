"""``pystator ui serve|dev|build``: serve the API with the built web UI, run the Vite dev server
against a running API, or build the UI from its source folder (``ui/`` of the repository) into the
``ui_dist/`` folder this distribution serves."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Annotated

import typer

from pystator.config.ports import API_PORT
from pystator_api.ui import UI_DIST

__all__ = ["API_URL_VARIABLE", "find_ui_source", "ui_app", "ui_is_built"]

# The environment variable ui/vite.config.ts reads for the target of its /api proxy.
API_URL_VARIABLE = "PYSTATOR_API_URL"

ui_app = typer.Typer(
    name="ui",
    help="Serve, develop or build the web UI.",
    no_args_is_help=True,
    add_completion=False,
)

SourceOption = Annotated[
    Path | None,
    typer.Option(
        "--source",
        help="The UI source folder (holding package.json); by default ui/ in the current directory "
        "or the nearest parent that has one.",
    ),
]


def ui_is_built(dist: Path = UI_DIST) -> bool:
    """Whether a UI build (its ``index.html``) is present in ``dist``."""
    return (dist / "index.html").is_file()


def find_ui_source(start: Path) -> Path | None:
    """``ui/`` (with a ``package.json``) in ``start`` or its nearest parent that has one."""
    for folder in (start, *start.parents):
        if (folder / "ui" / "package.json").is_file():
            return folder / "ui"
    return None


def _fail(command: str, message: str) -> typer.Exit:
    typer.echo(f"pystator ui {command}: {message}", err=True)
    return typer.Exit(1)


def _source_folder(command: str, source: Path | None) -> Path:
    if source is None:
        found = find_ui_source(Path.cwd())
        if found is None:
            raise _fail(
                command, "no ui/package.json in the current directory or its parents; pass --source DIR"
            )
        return found
    if not (source / "package.json").is_file():
        raise _fail(command, f"no UI source folder at {source} (expected a package.json there)")
    return source


def _npm(command: str) -> str:
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise _fail(command, "node/npm not found: install Node.js 20 or newer (https://nodejs.org)")
    return npm


def _run(command: str, args: list[str], cwd: Path, env: dict[str, str] | None = None) -> None:
    typer.echo(f"$ {' '.join(args)}  (in {cwd})")
    try:
        returncode = subprocess.run(args, cwd=cwd, env=env, check=False).returncode
    except KeyboardInterrupt:
        raise typer.Exit(130) from None
    if returncode != 0:
        raise _fail(command, f"`npm {' '.join(args[1:])}` failed with exit code {returncode}")


def _install_packages(command: str, npm: str, source: Path) -> None:
    """``npm ci`` when node_modules is missing or older than the lock file."""
    installed = source / "node_modules" / ".package-lock.json"
    lock = source / "package-lock.json"
    if installed.is_file() and (not lock.is_file() or installed.stat().st_mtime >= lock.stat().st_mtime):
        return
    _run(command, [npm, "ci", "--no-audit", "--no-fund"], source)


@ui_app.command("build")
def build_command(source: SourceOption = None) -> None:
    """Build the web UI (npm ci when needed, then npm run build) into this installation's ui_dist/."""
    folder = _source_folder("build", source)
    npm = _npm("build")
    _install_packages("build", npm, folder)
    _run("build", [npm, "run", "build", "--", "--outDir", str(UI_DIST), "--emptyOutDir"], folder)
    if not ui_is_built():
        raise _fail("build", f"the build finished but {UI_DIST / 'index.html'} is missing")
    typer.echo(f"web UI built into {UI_DIST}")


@ui_app.command("dev")
def dev_command(
    source: SourceOption = None,
    api_url: Annotated[
        str,
        typer.Option("--api-url", help="The running API the dev server proxies /api to."),
    ] = f"http://127.0.0.1:{API_PORT}",
) -> None:
    """Run the Vite dev server (live reload), proxying /api to a running API."""
    folder = _source_folder("dev", source)
    npm = _npm("dev")
    _install_packages("dev", npm, folder)
    _run("dev", [npm, "run", "dev"], folder, env={**os.environ, API_URL_VARIABLE: api_url})


@ui_app.command("serve")
def serve_command(
    host: Annotated[
        str | None, typer.Option("--host", help="Interface to bind ([api] host by default).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", help=f"Port ([api] port, {API_PORT} by default).")
    ] = None,
) -> None:
    """Serve the API with the built web UI under /ui/."""
    if not ui_is_built():
        raise _fail("serve", "the web UI is not built: run `pystator ui build`")
    from pystator_api.cli import serve_api

    serve_api(host, port, banner="PyStator web UI on http://{host}:{port}/ui/ (API docs: /docs)")
