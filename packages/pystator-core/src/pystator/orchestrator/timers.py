"""Delayed transitions and state timeouts of the entities an Orchestrator manages.

A timer is data (``pystator.scheduler.TimerRef``): machine, entity, the state it belongs to, the
entity version at which it was armed, and the timer trigger. Its task id is derived from exactly
that, so arming it twice is a no-op. After each committed transition the entity's timers move to
the new version: those of exited states are cancelled, those of entered states are started, and
those of states that stay active are re-armed at the new version for the time they had left. A fire
is accepted only while the entity is still at that version and in that state (see the
Orchestrator's ``_afire``); a stale or repeated fire changes nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from pystator.errors import UndefinedStateError
from pystator.result import TimerSpec, TransitionResult
from pystator.scheduler.protocol import ScheduledTask, Scheduler
from pystator.scheduler.timer_ref import TimerRef
from pystator.stores.protocols import AsyncQueryableStateStore, QueryableStateStore

if TYPE_CHECKING:
    from pystator.machine import StateMachine

__all__ = ["TimerKeeper", "state_timers"]

logger = logging.getLogger("pystator.orchestrator")

AFTER_PREFIX = "__after__:"
TIMEOUT_PREFIX = "__timeout__:"


def state_timers(machine: StateMachine) -> dict[str, tuple[TimerSpec, ...]]:
    """Every state's timers, as the engine plans them in ``TransitionResult.timers_to_start``."""
    timers: dict[str, dict[str, TimerSpec]] = {}
    for name, definition in machine.states.items():
        timeout = getattr(definition, "timeout", None)
        if timeout is not None:
            spec = TimerSpec(
                f"{name}:timeout",
                name,
                round(timeout.seconds * 1000),
                f"{TIMEOUT_PREFIX}{name}",
                "timeout",
                timeout.destination,
            )
            timers.setdefault(name, {})[spec.timer_id] = spec
    for transition in machine.transitions:
        delay = transition.after_ms
        if delay is None:
            continue
        for source in sorted(transition.source):
            timer_id = f"{source}:after:{delay}"
            timers.setdefault(source, {}).setdefault(
                timer_id,
                TimerSpec(
                    timer_id, source, delay, f"{AFTER_PREFIX}{source}:{delay}", "after", transition.dest
                ),
            )
    return {state: tuple(specs.values()) for state, specs in timers.items()}


class TimerKeeper:
    """Arms, moves and cancels one machine's timers on one scheduler."""

    def __init__(
        self,
        scheduler: Scheduler,
        machine: StateMachine,
        machine_key: str,
        on_fire: Callable[[ScheduledTask], Awaitable[object]],
        now: Callable[[], datetime],
    ) -> None:
        self.scheduler = scheduler
        self.machine = machine
        self.machine_key = machine_key
        self.now = now
        self.timers = state_timers(machine)
        self.handler_name = f"pystator.orchestrator:{machine_key}"
        scheduler.register_handler(self.handler_name, on_fire)

    @property
    def has_timers(self) -> bool:
        return bool(self.timers)

    def active_timers(self, state: str) -> list[TimerSpec]:
        """The timers armed while an entity rests in ``state`` (its own and its ancestors')."""
        return [spec for name in self.machine.active_states(state) for spec in self.timers.get(name, ())]

    async def arm(
        self, entity_id: str, version: int, specs: Iterable[TimerSpec], *, elapsed_ms: float = 0
    ) -> int:
        count = 0
        for spec in specs:
            ref = TimerRef(
                self.machine_key, entity_id, spec.state, version, spec.timer_id, spec.trigger, spec.kind
            )
            delay = max(0, round(spec.delay_ms - elapsed_ms))
            await self.scheduler.schedule(
                delay, self.handler_name, entity_id, spec.trigger, ref.to_metadata(), task_id=ref.task_id
            )
            count += 1
        return count

    async def after_commit(self, entity_id: str, state: str, version: int, result: TransitionResult) -> None:
        """Move the entity's timers to ``version``: cancel, carry over, start."""
        if not self.has_timers:
            return
        active = set(self.machine.active_states(state))
        exited = set(result.timers_to_cancel)
        started = {spec.state for spec in result.timers_to_start}
        now = self.now()
        for task in await self.scheduler.get_pending_tasks(entity_id):
            ref = self._ref(task)
            if ref is None or ref.state_version >= version:
                continue
            await self.scheduler.cancel(task.task_id)
            if ref.state in exited or ref.state in started or ref.state not in active:
                continue
            remaining = max(0, round((task.fires_at - now).total_seconds() * 1000))
            carried = TimerRef(
                ref.machine, ref.entity_id, ref.state, version, ref.timer_id, ref.trigger, ref.kind
            )
            await self.scheduler.schedule(
                remaining,
                self.handler_name,
                entity_id,
                ref.trigger,
                carried.to_metadata(),
                task_id=carried.task_id,
            )
        await self.arm(entity_id, version, result.timers_to_start)

    def _ref(self, task: ScheduledTask) -> TimerRef | None:
        try:
            ref = TimerRef.from_task(task)
        except ValueError:
            return None
        return ref if ref.machine == self.machine_key else None

    async def rebuild_all(self, store: object, page_size: int) -> int:
        """Arm the timers of every entity of the machine that ``store`` lists (page by page)."""
        if not isinstance(store, QueryableStateStore | AsyncQueryableStateStore):
            raise TypeError(
                "rebuild_timers needs a store that lists entities (QueryableStateStore); "
                f"{type(store).__name__} does not"
            )
        armed, after = 0, None
        while True:
            if isinstance(store, AsyncQueryableStateStore):
                page = await store.alist_entities(self.machine.name, limit=page_size, after=after)
            else:
                page = store.list_entities(self.machine.name, limit=page_size, after=after)
            for record in page.items:
                try:
                    armed += await self.rebuild_entity(
                        record.entity_id, record.state, record.version, record.updated_at
                    )
                except UndefinedStateError:
                    logger.warning(
                        "entity %s rests in %r, which the machine no longer defines; no timers armed",
                        record.entity_id,
                        record.state,
                    )
            if page.next_after is None:
                return armed
            after = page.next_after

    async def rebuild_entity(
        self, entity_id: str, state: str, version: int, updated_at: datetime | None
    ) -> int:
        """Arm the timers of an entity resting in ``state`` (no-op for timers already known)."""
        specs = self.active_timers(state)
        if not specs:
            return 0
        elapsed_ms = 0.0
        if updated_at is not None:
            elapsed_ms = max(0.0, (self.now() - updated_at.astimezone(UTC)).total_seconds() * 1000)
        return await self.arm(entity_id, version, specs, elapsed_ms=elapsed_ms)
