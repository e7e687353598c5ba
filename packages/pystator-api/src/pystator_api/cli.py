"""``pystator api`` and ``pystator up`` (contributed to the ``pystator`` command through the
``pystator.cli`` entry-point group)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Annotated

import typer

from pystator.config.ports import API_PORT
from pystator_api.app import create_app
from pystator_api.runtime import Runtime
from pystator_api.seed import seed_machines, start_worker
from pystator_api.templates import Template, load_templates, templates_in
from pystator_api.ui_cli import ui_is_built
from pystator_contracts.settings import Settings, SettingsError

__all__ = ["api_command", "serve_api", "up_command"]

logger = logging.getLogger("pystator.api")

HostOption = Annotated[str | None, typer.Option("--host", help="Interface to bind ([api] host by default).")]
PortOption = Annotated[int | None, typer.Option("--port", help=f"Port ([api] port, {API_PORT} by default).")]


def _settings() -> Settings:
    try:
        return Settings.load()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def api_command(
    host: HostOption = None,
    port: PortOption = None,
    reload: Annotated[bool, typer.Option("--reload", help="Restart on code changes (development).")] = False,
) -> None:
    """Serve the REST API (docs at /docs)."""
    serve_api(host, port, reload=reload)


def serve_api(
    host: str | None,
    port: int | None,
    *,
    reload: bool = False,
    banner: str = "PyStator API on http://{host}:{port} (docs: /docs)",
) -> None:
    """Serve the API on ``host``/``port`` (the configured ones by default) after printing ``banner``
    (formatted with ``host`` and ``port``)."""
    import uvicorn

    settings = _settings()
    bind_host = host or settings.api.host
    bind_port = port or settings.api.port
    typer.echo(banner.format(host=bind_host, port=bind_port))
    if reload:
        uvicorn.run("pystator_api.main:app", host=bind_host, port=bind_port, reload=True)
    else:
        uvicorn.run(create_app(settings), host=bind_host, port=bind_port)


def up_command(
    host: HostOption = None,
    port: PortOption = None,
    machines: Annotated[
        Path | None,
        typer.Option(
            "--machines",
            help="Directory of machine definitions (*.yaml, *.json) to store "
            "(the bundled templates by default).",
            exists=True,
            file_okay=False,
            dir_okay=True,
        ),
    ] = None,
) -> None:
    """Run the whole stack in one process on the embedded defaults: the API, timers (asyncio
    scheduler) and a worker consuming the queue, on the configured database (SQLite in the working
    directory unless configured), with the example machines stored."""
    import uvicorn

    from pystator.scheduler import AsyncioScheduler

    settings = _settings()
    bind_host = host or settings.api.host
    bind_port = port or settings.api.port
    sources: list[Template] = templates_in(machines) if machines is not None else load_templates()

    async def seed(runtime: Runtime) -> None:
        stored = await seed_machines(runtime.machines, sources)
        for line in stored:
            typer.echo(line)
        await runtime.start()
        await start_worker(runtime)
        base = f"http://{bind_host}:{bind_port}"
        web_ui = f", web UI: {base}/ui/" if ui_is_built() else ""
        typer.echo(f"PyStator is up: {base} (API docs: {base}/docs{web_ui})")

    app = create_app(settings, scheduler_factory=AsyncioScheduler, on_startup=seed)
    uvicorn.run(app, host=bind_host, port=bind_port)
