"""What the routes work with: the stores, compiled machines and their orchestrators, auth.

One ``Runtime`` per application, opened in the app's lifespan (so that every pool belongs to the
server's event loop) and closed with it. Compiled machines are cached by ``(machine_id, version)``;
the latest version number is read from the machine store on every use, so replicas see each
other's saves at once.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pystator.errors import FSMError
from pystator.machine import StateMachine
from pystator.orchestrator import Orchestrator
from pystator.scheduler import Scheduler
from pystator.stores.machines import MachineStore, MachineVersion
from pystator.stores.protocols import FullStateStore
from pystator_api.auth import Authenticator
from pystator_api.definitions import compile_definition
from pystator_api.errors import ApiError
from pystator_contracts.codes import ErrorCode
from pystator_contracts.settings import Settings
from pystator_stores import open_store
from pystator_stores.fleet import FleetQueries, open_fleet
from pystator_stores.machines import open_machine_store
from pystator_worker import EventQueue

__all__ = ["LoadedMachine", "Runtime"]

logger = logging.getLogger("pystator.api")


@dataclass(frozen=True, slots=True)
class LoadedMachine:
    stored: MachineVersion
    machine: StateMachine


class Runtime:
    def __init__(self, settings: Settings, *, scheduler: Scheduler | None = None) -> None:
        self.settings = settings
        url = settings.database.url
        self.store: FullStateStore = open_store(url)
        self.machines: MachineStore = open_machine_store(url)
        self.fleet: FleetQueries = open_fleet(url)
        self.auth = Authenticator(settings.api)
        self.scheduler = scheduler
        self.poll_interval = 0.5
        self.queue = EventQueue(url, pool_size=2)
        self._compiled: dict[tuple[str, int], StateMachine] = {}
        self._orchestrators: dict[tuple[str, int], Orchestrator] = {}
        self._lock = asyncio.Lock()
        self._on_close: list[Callable[[], Awaitable[None]]] = []

    async def machine(self, machine_id: str, version: int | None = None) -> LoadedMachine:
        """The stored machine (latest version by default), compiled; 404 when there is none."""
        stored = await self.machines.aget_machine(machine_id, version)
        if stored is None:
            what = f"machine {machine_id!r}" + (f" version {version}" if version is not None else "")
            raise ApiError(404, ErrorCode.NOT_FOUND, f"{what} not found")
        return self.loaded(stored)

    def loaded(self, stored: MachineVersion) -> LoadedMachine:
        """A stored version, compiled (once per version); ``ConfigurationError`` when this
        PyStator refuses its configuration."""
        key = (stored.machine_id, stored.version)
        compiled = self._compiled.get(key)
        if compiled is None:
            compiled = compile_definition(stored.config)
            self._compiled[key] = compiled
        return LoadedMachine(stored, compiled)

    async def orchestrator(self, loaded: LoadedMachine) -> Orchestrator:
        key = (loaded.stored.machine_id, loaded.stored.version)
        found = self._orchestrators.get(key)
        if found is not None:
            return found
        async with self._lock:
            found = self._orchestrators.get(key)
            if found is None:
                found = Orchestrator(
                    loaded.machine,
                    self.store,
                    scheduler=self.scheduler,
                    use_initial_state_when_missing=False,
                )
                self._orchestrators[key] = found
                if self.scheduler is not None:
                    await found.rebuild_timers()
        return found

    async def entity_machine(self, entity_id: str) -> tuple[Any, LoadedMachine]:
        """The entity's record and its machine (latest version); 404 for either missing."""
        record = await self.store.aload_entity(entity_id)
        if record is None:
            raise ApiError(404, ErrorCode.ENTITY_NOT_FOUND, f"entity {entity_id!r} not found")
        if not record.machine:
            raise ApiError(
                409,
                ErrorCode.CONFLICT,
                f"entity {entity_id!r} belongs to no machine (written outside the API)",
            )
        return record, await self.machine(record.machine)

    async def start(self) -> None:
        """Re-arm timers of every stored machine's entities (after a restart) when timers are on."""
        if self.scheduler is None:
            return
        for stored in await self.machines.alist_machines():
            try:
                await self.orchestrator(await self.machine(stored.machine_id))
            except FSMError as exc:
                logger.warning("machine %s: timers not rebuilt: %s", stored.machine_id, exc)

    def on_close(self, callback: Callable[[], Awaitable[None]]) -> None:
        """Run ``callback`` first when the runtime closes (background services started with it)."""
        self._on_close.append(callback)

    async def close(self) -> None:
        for callback in reversed(self._on_close):
            try:
                await callback()
            except Exception:
                logger.exception("error while stopping a background service")
        for orchestrator in self._orchestrators.values():
            await orchestrator.aclose()
        self._orchestrators.clear()
        await self.queue.aclose()
        await self.machines.aclose()
        await self.fleet.aclose()
        await self.store.aclose()
