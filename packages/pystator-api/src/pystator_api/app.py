"""``create_app(settings)``: the FastAPI application of the REST API."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from pystator.scheduler import Scheduler
from pystator_api._version import __version__
from pystator_api.errors import error_responses, install_error_handlers
from pystator_api.limits import BodySizeLimit
from pystator_api.routes import (
    auth,
    bulk,
    entities,
    entity_list,
    health,
    machines,
    observability,
    process,
    templates,
    transitions,
    worker,
)
from pystator_api.routes import settings as settings_routes
from pystator_api.runtime import Runtime
from pystator_api.schedulers import scheduler_factory as default_scheduler_factory
from pystator_api.ui import install_ui
from pystator_contracts.settings import Settings

__all__ = ["create_app"]

DESCRIPTION = """The HTTP face of PyStator: validate and run machine definitions statelessly, store
machines with versions, and drive persisted entities through the full orchestrator loop.
Every failure answers with the same error body (`ErrorBody`)."""


def create_app(
    settings: Settings | None = None,
    *,
    scheduler_factory: Callable[[], Scheduler] | None = None,
    on_startup: Callable[[Runtime], Any] | None = None,
) -> FastAPI:
    """The application for ``settings`` (``Settings.load()`` when None).

    ``scheduler_factory`` builds the scheduler that arms delayed transitions and timeouts (by default
    the one the settings name, see ``pystator_api.schedulers``); ``on_startup`` runs (awaited when it
    returns an awaitable) once the runtime is open.
    """
    settings = settings if settings is not None else Settings.load()
    if scheduler_factory is None:
        scheduler_factory = default_scheduler_factory(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        scheduler = scheduler_factory() if scheduler_factory is not None else None
        runtime = Runtime(settings, scheduler=scheduler)
        app.state.runtime = runtime
        try:
            if scheduler is not None:
                await scheduler.start()
            await runtime.start()
            if on_startup is not None:
                outcome = on_startup(runtime)
                if hasattr(outcome, "__await__"):
                    await outcome
            yield
        finally:
            await runtime.close()
            if scheduler is not None:
                close = getattr(scheduler, "close", None)
                if close is not None:
                    await close()

    app = FastAPI(
        title="PyStator API",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        responses=error_responses(413, 422, 500),
    )
    install_error_handlers(app)
    # bulk before entities: /entities/bulk/... must not be read as an entity named 'bulk'
    for module in (
        health,
        auth,
        process,
        machines,
        bulk,
        entity_list,
        entities,
        observability,
        transitions,
        templates,
        settings_routes,
        worker,
    ):
        app.include_router(module.router)
    install_ui(app)
    if settings.api.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=list(settings.api.cors_origins),
            allow_methods=["*"],
            allow_headers=["*"],
        )
    app.add_middleware(BodySizeLimit, max_bytes=settings.api.max_body_bytes)
    return app
