"""The ``pystator`` command."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer

from pystator_cli import db, docs, machines, schema
from pystator_cli.output import EXIT_USAGE
from pystator_cli.plugins import build_command
from pystator_cli.process import process
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


app.add_typer(machines.app, name="machines")
app.command("process")(process)
app.add_typer(schema.app, name="schema")
app.add_typer(docs.app, name="docs")
app.add_typer(db.app, name="db")


def run(args: list[str] | None = None) -> None:
    """The console script: every usage error as one line (exit 2), no traceback for known failures."""
    command = build_command(app)
    try:
        outcome = command.main(args=args, prog_name="pystator", standalone_mode=False)
    except _USAGE_ERROR as exc:
        context: Any = getattr(exc, "ctx", None)
        if type(exc).__name__ == "NoArgsIsHelpError" and context is not None:
            typer.echo(context.get_help())
            sys.exit(EXIT_USAGE)
        where = context.command_path if context is not None else "pystator"
        hint = f" (see '{where} --help')" if context is not None else ""
        typer.echo(f"{where}: {_one_line(exc.format_message())}{hint}", err=True)
        sys.exit(EXIT_USAGE)
    except _CLICK_EXCEPTION as exc:
        typer.echo(f"pystator: {_one_line(exc.format_message())}", err=True)
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("pystator: aborted", err=True)
        sys.exit(130)
    sys.exit(outcome if isinstance(outcome, int) else 0)


def _base_class(name: str) -> Any:
    """Click's exception classes, wherever this Typer keeps them (click, or its vendored copy)."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


_USAGE_ERROR = _base_class("UsageError")
_CLICK_EXCEPTION = _base_class("ClickException")


def _one_line(message: str) -> str:
    return " ".join(message.split())
