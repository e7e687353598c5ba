"""``pystator schema export``: the JSON Schema of machine files, for editors and CI."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from pystator_cli.output import say

__all__ = ["app", "export"]

app = typer.Typer(name="schema", help="The JSON Schema of machine files.", no_args_is_help=True)


@app.command("export")
def export(
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the schema here instead of stdout.")
    ] = None,
) -> None:
    """Print (or write) the JSON Schema (draft 2020-12) of the machine format."""
    from pystator_contracts.schema import machine_schema_text

    text = machine_schema_text()
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    say(f"wrote {output}")
