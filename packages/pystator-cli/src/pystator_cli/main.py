"""The ``pystator`` command."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from pystator_cli.plugins import install_plugins
from pystator_cli.versions import installed_versions

__all__ = ["app", "run"]

app = typer.Typer(
    name="pystator",
    help="PyStator: configuration-driven, stateless finite state machines.",
    no_args_is_help=True,
    add_completion=False,
)


def _print_versions(value: bool) -> None:
    if not value:
        return
    for name, version in installed_versions().items():
        typer.echo(f"{name} {version}")
    raise typer.Exit(0)


@app.callback()
def main(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            help="Print every installed PyStator distribution and its version, then exit.",
            callback=_print_versions,
            is_eager=True,
        ),
    ] = False,
) -> None:
    """PyStator: configuration-driven, stateless finite state machines."""


@app.command("versions")
def versions(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the installed PyStator distributions."""
    found = installed_versions()
    if as_json:
        typer.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    for name, number in found.items():
        typer.echo(f"{name:<20} {number}")


def run() -> None:
    install_plugins(app)
    app()
