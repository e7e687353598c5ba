"""``pystator docs serve|build``: the documentation site, with MkDocs (``pip install mkdocs``).

The site is described by ``mkdocs.yml``: the one given with ``--config-file``, else the nearest one
in the working directory or above it (the repository root).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from pystator_cli.output import EXIT_PROBLEMS, EXIT_USAGE, fail, say

__all__ = ["app", "build", "find_config", "serve"]

app = typer.Typer(name="docs", help="Build or serve the documentation site (MkDocs).", no_args_is_help=True)

ConfigFile = Annotated[
    Path | None,
    typer.Option("--config-file", "-f", help="The site's mkdocs.yml (default: found upwards from here)."),
]


def find_config(start: Path) -> Path | None:
    for folder in [start, *start.parents]:
        candidate = folder / "mkdocs.yml"
        if candidate.is_file():
            return candidate
    return None


def _mkdocs(command: str, config_file: Path | None, *extra: str) -> None:
    if importlib.util.find_spec("mkdocs") is None:
        fail(f"docs {command}", "MkDocs is not installed: pip install mkdocs", EXIT_USAGE)
    config = config_file or find_config(Path.cwd())
    if config is None:
        fail(f"docs {command}", "no mkdocs.yml here or in any parent folder; pass --config-file", EXIT_USAGE)
    if not config.is_file():
        fail(f"docs {command}", f"no such file: {config}", EXIT_USAGE)
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "mkdocs", command, "--config-file", str(config), *extra], check=False
        )
    except KeyboardInterrupt:
        raise typer.Exit(0) from None
    if completed.returncode != 0:
        fail(f"docs {command}", f"mkdocs {command} failed (exit {completed.returncode})", EXIT_PROBLEMS)


@app.command("build")
def build(
    config_file: ConfigFile = None,
    site_dir: Annotated[
        Path | None, typer.Option("--site-dir", "-d", help="Where to write the site (default: site/).")
    ] = None,
) -> None:
    """Build the static documentation site."""
    extra = ["--site-dir", str(site_dir.resolve())] if site_dir is not None else []
    _mkdocs("build", config_file, *extra)
    say("built the documentation" + (f" into {site_dir}" if site_dir is not None else ""))


@app.command("serve")
def serve(
    config_file: ConfigFile = None,
    dev_addr: Annotated[
        str, typer.Option("--dev-addr", "-a", help="HOST:PORT to serve on.")
    ] = "127.0.0.1:8000",
) -> None:
    """Serve the documentation with live reload."""
    _mkdocs("serve", config_file, "--dev-addr", dev_addr)
