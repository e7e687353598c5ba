"""Subcommands contributed by the installed PyStator distributions.

A distribution contributes a command group through the ``pystator.cli`` entry point group, e.g.::

    [project.entry-points."pystator.cli"]
    api = "pystator_api.cli:app"      # a typer.Typer

Commands the family is known to provide but whose distribution is not installed still appear in
``pystator --help``; running one prints a single line naming what to install and exits with 2.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata

import typer

__all__ = ["ENTRY_POINT_GROUP", "KNOWN_COMMANDS", "KnownCommand", "install_plugins"]

ENTRY_POINT_GROUP = "pystator.cli"
MISSING_EXIT_CODE = 2


@dataclass(frozen=True)
class KnownCommand:
    name: str
    distribution: str
    install: str
    help: str


KNOWN_COMMANDS = (
    KnownCommand("api", "pystator-api", "pip install 'pystator[api]'", "Serve the REST API."),
    KnownCommand("ui", "pystator-api", "pip install 'pystator[api]'", "Serve, develop or build the web UI."),
    KnownCommand(
        "up", "pystator-api", "pip install 'pystator[all]'", "Run the whole stack on embedded defaults."
    ),
    KnownCommand("db", "pystator-stores", "pip install 'pystator[stores]'", "Database migrations."),
    KnownCommand(
        "worker", "pystator-worker", "pip install 'pystator[worker]'", "Run the durable worker queue."
    ),
)


def _unavailable_reason(command: KnownCommand) -> str:
    try:
        installed = metadata.version(command.distribution)
    except metadata.PackageNotFoundError:
        return f"the {command.distribution} distribution is not installed: {command.install}"
    return (
        f"the installed {command.distribution} {installed} does not provide this command; "
        f"upgrade it: {command.install.replace('pip install', 'pip install -U')}"
    )


def _missing(command: KnownCommand) -> typer.Typer:
    reason = _unavailable_reason(command)
    group = typer.Typer(help=f"{command.help} (unavailable: {reason})")

    @group.callback(invoke_without_command=True, context_settings={"ignore_unknown_options": True})
    def _refuse() -> None:
        typer.echo(f"pystator {command.name}: {reason}", err=True)
        raise typer.Exit(MISSING_EXIT_CODE)

    return group


def install_plugins(app: typer.Typer) -> list[str]:
    """Add every contributed command group to ``app``; return the names added from entry points."""
    added: list[str] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        contributed = entry.load()
        if isinstance(contributed, typer.Typer):
            app.add_typer(contributed, name=entry.name)
        else:
            app.command(entry.name)(contributed)
        added.append(entry.name)
    for known in KNOWN_COMMANDS:
        if known.name not in added:
            app.add_typer(_missing(known), name=known.name)
    return added
