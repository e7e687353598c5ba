"""``pystator machines``: machine files (validate, lint, diagram, show) and the API's machine store
(list, push, pull)."""

from __future__ import annotations

import typer

from pystator_cli.machines.files import diagram, lint, show, validate
from pystator_cli.machines.paths import paths
from pystator_cli.machines.store import list_machines, pull, push
from pystator_cli.machines.stubs import stubs

__all__ = ["app"]

app = typer.Typer(
    name="machines",
    help="Validate, lint, draw and describe machine files; list, push and pull stored machines.",
    no_args_is_help=True,
)
app.command("validate")(validate)
app.command("lint")(lint)
app.command("diagram")(diagram)
app.command("show")(show)
app.command("list")(list_machines)
app.command("push")(push)
app.command("pull")(pull)
app.command("paths")(paths)
app.command("stubs")(stubs)
