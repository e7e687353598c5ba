"""``pystator db upgrade|status``: schema migrations of the database (SQLite or PostgreSQL).

The migrations themselves live with the tables' owners (``pystator_stores.migrations``, which also
runs those other distributions register); this module only presents them. Without pystator-stores
installed, each command prints one line naming what to install and exits 2.
"""

from __future__ import annotations

import urllib.parse
from typing import TYPE_CHECKING, Annotated, Any

import typer

from pystator_cli.output import (
    EXIT_PROBLEMS,
    EXIT_USAGE,
    fail,
    print_json,
    print_table,
    progress,
    say,
)

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["app", "status", "upgrade"]

app = typer.Typer(name="db", help="Database schema migrations.", no_args_is_help=True)

Url = Annotated[
    str | None,
    typer.Option(
        "--url", help="Database URL (default: [database] url of the settings, PYSTATOR_DATABASE_URL)."
    ),
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
INSTALL_HINT = "the pystator-stores distribution is not installed: pip install 'pystator[stores]'"


def _migrations(command: str) -> ModuleType:
    try:
        from pystator_stores import migrations
    except ImportError:
        fail(command, INSTALL_HINT, EXIT_USAGE)
    return migrations


def _database_url(command: str, url: str | None) -> str:
    if url is not None:
        return url
    from pystator_contracts.settings import Settings, SettingsError

    try:
        return Settings.load().database.url
    except SettingsError as exc:
        fail(command, f"invalid settings: {'; '.join(exc.args[0]) if exc.args else exc}", EXIT_USAGE)


def shown(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urllib.parse.urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urllib.parse.urlunsplit(parts._replace(netloc=netloc))


def _call(command: str, url: str, action: Any) -> Any:
    try:
        return action()
    except ValueError as exc:  # a URL the migrations do not apply to
        fail(command, str(exc), EXIT_USAGE)
    except Exception as exc:
        fail(command, f"{shown(url)}: {type(exc).__name__}: {exc}", EXIT_PROBLEMS)


@app.command("status")
def status(
    url: Url = None,
    check: Annotated[
        bool, typer.Option("--check", help="Exit 1 when a migration is pending (for CI and deploys).")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Show each component's schema version in the database and what is pending."""
    migrations = _migrations("db status")
    database = _database_url("db status", url)
    found = _call("db status", database, lambda: migrations.status(database))
    rows = [
        {
            "component": s.component,
            "current": s.current,
            "latest": s.latest,
            "pending": list(s.pending),
            "up_to_date": s.up_to_date,
        }
        for s in found
    ]
    if as_json:
        print_json({"url": shown(database), "components": rows})
    else:
        print_table(
            f"Schema of {shown(database)}",
            ["component", "current", "latest", "status"],
            [
                [
                    r["component"],
                    r["current"],
                    r["latest"],
                    "up to date" if r["up_to_date"] else f"{len(r['pending'])} pending",
                ]
                for r in rows
            ],
        )
    if check and not all(r["up_to_date"] for r in rows):
        raise typer.Exit(EXIT_PROBLEMS)


@app.command("upgrade")
def upgrade(url: Url = None, as_json: JsonFlag = False) -> None:
    """Apply every pending migration (idempotent; safe when several processes run it at once)."""
    migrations = _migrations("db upgrade")
    database = _database_url("db upgrade", url)
    before = _call("db upgrade", database, lambda: migrations.status(database))
    pending = [s for s in before if not s.up_to_date]
    applied: list[Any] = []
    with progress("migrating", sum(len(s.pending) for s in pending)) as bar:
        for component in pending:
            steps = _call(
                "db upgrade",
                database,
                lambda c=component.component: migrations.upgrade(database, components=[c]),
            )
            for step in steps:
                applied.append(step)
                bar.step(f"{step.component}: applied {step.version} ({step.description})")
    if as_json:
        print_json(
            {
                "url": shown(database),
                "applied": [
                    {
                        "component": a.component,
                        "version": a.version,
                        "description": a.description,
                        "applied_at": a.applied_at.isoformat(),
                    }
                    for a in applied
                ],
            }
        )
        return
    if applied:
        say(f"{shown(database)}: {len(applied)} migrations applied; the schema is up to date")
    else:
        say(f"{shown(database)}: the schema is already up to date")
