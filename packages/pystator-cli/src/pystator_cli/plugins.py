"""Subcommands contributed by the installed PyStator distributions.

A distribution contributes a command through the ``pystator.cli`` entry point group, e.g.::

    [project.entry-points."pystator.cli"]
    api = "pystator_api.cli:api_command"   # a function becomes a command
    admin = "my_package.cli:app"           # a typer.Typer becomes a command group

The commands the family is known to provide (``KNOWN_COMMANDS``) are loaded only when invoked, so
that ``pystator machines validate`` never pays for importing a web framework; their help line comes
from ``KNOWN_COMMANDS``. A known command whose distribution is not installed still appears in
``pystator --help``; running it prints a single line naming what to install and exits with 2. A
contributed command that fails to import answers the same way, naming the import error.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata
from typing import Any

import typer
from typer.core import TyperCommand

__all__ = ["ENTRY_POINT_GROUP", "KNOWN_COMMANDS", "KnownCommand", "build_command"]

ENTRY_POINT_GROUP = "pystator.cli"
MISSING_EXIT_CODE = 2
_ANY_ARGUMENTS = {"ignore_unknown_options": True, "allow_extra_args": True, "help_option_names": []}


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
    KnownCommand(
        "worker", "pystator-worker", "pip install 'pystator[worker]'", "Run the durable worker queue."
    ),
)
_KNOWN = {known.name: known for known in KNOWN_COMMANDS}


def _unavailable_reason(command: KnownCommand) -> str:
    try:
        installed = metadata.version(command.distribution)
    except metadata.PackageNotFoundError:
        return f"the {command.distribution} distribution is not installed: {command.install}"
    return (
        f"the installed {command.distribution} {installed} does not provide this command; "
        f"upgrade it: {command.install.replace('pip install', 'pip install -U')}"
    )


def _unavailable_note(command: KnownCommand) -> str:
    """The short form for ``--help`` (no brackets: help text is rich markup)."""
    try:
        metadata.version(command.distribution)
    except metadata.PackageNotFoundError:
        return f"install {command.distribution}"
    return f"needs a newer {command.distribution}"


def _refusing(name: str, help: str, reason: str) -> Any:
    """A command that takes any arguments (``pystator ui serve --port 1``) and refuses in one line."""

    def refuse(context: typer.Context) -> None:
        typer.echo(f"pystator {name}: {reason}", err=True)
        raise typer.Exit(MISSING_EXIT_CODE)

    holder = typer.Typer(add_completion=False)
    holder.command(name, help=help, context_settings=_ANY_ARGUMENTS)(refuse)
    return typer.main.get_command(holder)


def _loaded(entry: metadata.EntryPoint) -> Any:
    """The click command of one entry point (a refusing one when it cannot be imported)."""
    try:
        contributed = entry.load()
    except Exception as exc:
        reason = f"cannot load it from {entry.value} ({type(exc).__name__}: {exc})"
        return _refusing(entry.name, "A contributed command that failed to load.", reason)
    holder = typer.Typer(add_completion=False)
    if isinstance(contributed, typer.Typer):
        holder.add_typer(contributed, name=entry.name)
        return typer.main.get_command(holder).commands[entry.name]  # type: ignore[attr-defined]
    holder.command(entry.name)(contributed)
    return typer.main.get_command(holder)


class _LazyCommand(TyperCommand):
    """Stands in for a known contributed command until it runs; then the real one parses the
    arguments and is invoked (the parent group invokes ``sub_context.command``)."""

    def __init__(self, entry: metadata.EntryPoint, help: str) -> None:
        super().__init__(name=entry.name, help=help, context_settings=dict(_ANY_ARGUMENTS))
        self._entry = entry

    def make_context(self, info_name: str | None, args: list[str], parent: Any = None, **extra: Any) -> Any:
        return _loaded(self._entry).make_context(info_name, args, parent=parent, **extra)


def build_command(app: typer.Typer) -> Any:
    """The click command of ``app`` with every contributed and every known command added."""
    entries: dict[str, metadata.EntryPoint] = {}
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        entries.setdefault(entry.name, entry)  # the first on the path wins, as for imports
    group = typer.main.get_command(app)
    for name, entry in entries.items():
        known = _KNOWN.get(name)
        group.add_command(_LazyCommand(entry, known.help) if known else _loaded(entry), name)  # type: ignore[attr-defined]
    for known in KNOWN_COMMANDS:
        if known.name not in entries:
            help = f"{known.help} (unavailable: {_unavailable_note(known)})"
            group.add_command(_refusing(known.name, help, _unavailable_reason(known)), known.name)  # type: ignore[attr-defined]
    return group
