"""Store machine definitions from files (``pystator up``): each one missing is saved as version 1;
one whose stored latest version differs is left alone (edits made through the API win)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable

from pystator.errors import ConfigurationError
from pystator.stores.machines import MachineStore, check_machine_id
from pystator_api.definitions import parse_definition
from pystator_api.runtime import Runtime
from pystator_api.templates import Template

__all__ = ["seed_machines", "start_worker"]

logger = logging.getLogger(__name__)


async def seed_machines(store: MachineStore, templates: Iterable[Template]) -> list[str]:
    """Save every template whose machine is not stored yet; returns one line per template."""
    lines: list[str] = []
    for template in templates:
        try:
            definition = parse_definition(template.source, "json" if template.format == "json" else "yaml")
        except ConfigurationError as exc:
            lines.append(f"skipped {template.name}: invalid definition: {'; '.join(exc.errors[:3])}")
            continue
        machine_id = definition.config.meta.machine_name or template.name
        try:
            check_machine_id(machine_id)
        except ValueError as exc:
            lines.append(f"skipped {template.name}: {exc}")
            continue
        if await store.aget_machine(machine_id) is not None:
            lines.append(f"machine {machine_id}: already stored")
            continue
        definition = parse_definition(template.source, definition.format, machine_id=machine_id)
        await store.asave_machine(
            machine_id,
            source=definition.source,
            format=definition.format,
            config=definition.config_json(),
            expected_version=0,
            description=definition.config.meta.description or "",
        )
        lines.append(f"machine {machine_id}: stored (version 1)")
    return lines


async def start_worker(runtime: Runtime) -> None:
    """Consume the worker queue in this process for every machine stored now (``pystator up``)."""
    from pystator_worker import Worker

    machines = {}
    for stored in await runtime.machines.alist_machines():
        try:
            machines[stored.machine_id] = runtime.loaded(stored).machine
        except ConfigurationError as exc:  # the others are still worked on
            logger.warning("machine %s: not given to the worker: %s", stored.machine_id, exc)
    if not machines:
        return
    settings = runtime.settings.worker
    worker = Worker(
        machines,
        queue=runtime.queue,
        concurrency=settings.concurrency,
        poll_interval=min(settings.poll_interval, 0.5),
    )
    task = asyncio.get_running_loop().create_task(worker.run(), name="pystator-up-worker")

    async def stop() -> None:
        worker.stop()
        await task

    runtime.on_close(stop)
