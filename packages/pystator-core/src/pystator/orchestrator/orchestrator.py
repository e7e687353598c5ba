"""``Orchestrator``: the sandwich around the pure engine, for entities kept in a store.

For each event: load state, version and context by entity id -> validate the context -> compute the
transition (``machine.process``) -> persist the new state, the history row and the event's
idempotency key in one atomic write guarded by the version -> cancel and arm timers -> run the
actions -> record their outcomes. A version conflict reloads and retries within a bounded budget,
then raises ``StaleVersionError``.

What it promises (with a ``TransactionalStateStore``): a state transition happens **exactly once
per accepted event**; actions run **at least once**, after the commit, each with a stable
idempotency key (``machine:entity:version:action_index``) that user code can use to deduplicate.
See docs/guides/orchestrator.md.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Awaitable, Generator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pystator.actions.executor import ActionExecutor
from pystator.actions.registry import ActionRegistry
from pystator.errors import FSMError, StaleVersionError, UndefinedStateError
from pystator.event import Event
from pystator.guards import GuardRegistry
from pystator.hooks.observer import TransitionObserver
from pystator.orchestrator import steps
from pystator.orchestrator.driver import Call, Steps, drive_async, drive_sync
from pystator.orchestrator.recent import RecentOutcomes
from pystator.orchestrator.running import ActionRun, apply_effects, arun_actions, outcomes_of, run_actions
from pystator.orchestrator.steps import Request
from pystator.orchestrator.store_access import Committed, Loaded, StoreAccess, access_for
from pystator.orchestrator.sync_bridge import SyncBridge
from pystator.orchestrator.timers import TimerKeeper
from pystator.orchestrator.validation import (
    ContextValidatorFn,
    check_verdict,
    is_awaitable,
    validation_failure,
)
from pystator.result import TransitionResult
from pystator.scheduler.protocol import ScheduledTask, Scheduler
from pystator.scheduler.timer_ref import TimerRef
from pystator.stores.records import TransitionCommit, TransitionRecord, action_idempotency_key

if TYPE_CHECKING:
    from pystator.clock import Clock
    from pystator.machine import StateMachine
    from pystator.stores.cache import EntityCache

__all__ = ["Orchestrator"]

logger = logging.getLogger("pystator.orchestrator")

DEFAULT_MAX_ATTEMPTS = 8


class _Done:
    """What ``close()`` returns when it finished synchronously: awaiting it does nothing."""

    def __await__(self) -> Generator[Any, None, None]:
        return
        yield


class Orchestrator:
    """Process events for entities whose state lives in ``state_store``.

    - ``guards``: a ``GuardRegistry`` bound onto the machine (its guards join the machine's).
    - ``actions``: an ``ActionRegistry`` (run by an ``ActionExecutor``) or an ``ActionExecutor``;
      the machine's action registry when None.
    - ``context_validator``: ``(entity_id, state, trigger, ctx) -> (ok, errors)``, sync or async,
      run before guards.
    - ``scheduler``: arms delayed transitions (``after:``) and state timeouts.
    - ``use_initial_state_when_missing``: an unknown entity starts at the initial state (else
      ``EntityNotFoundError``).
    - ``hooks``: objects with any of ``on_before_process``, ``on_transition_start``,
      ``on_transition_complete``, ``on_transition_error``; their exceptions are logged and ignored.
    - ``max_attempts``: how many times a version conflict is retried before ``StaleVersionError``.
    - ``clock``: wall time for timer bookkeeping (the scheduler's clock by default).
    - ``entity_cache``: an ``EntityCache`` to skip the load when this process holds the entity's
      latest record (one round trip per event instead of two). A stale record only costs a version
      conflict and a reload; a decision not to write (a rejected or invalid event, a stale timer) is
      never taken on a cached record, it is re-checked against the store.
    """

    def __init__(  # noqa: PLR0917 - the 0.0.x positional form is public API
        self,
        machine: StateMachine,
        state_store: Any,
        guards: GuardRegistry | None = None,
        actions: ActionRegistry | ActionExecutor | None = None,
        context_validator: ContextValidatorFn | None = None,
        scheduler: Scheduler | None = None,
        use_initial_state_when_missing: bool = True,
        *,
        hooks: Iterable[object] | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Clock | None = None,
        entity_cache: EntityCache | None = None,
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts: expected an integer >= 1, got {max_attempts!r}")
        if context_validator is not None and not callable(context_validator):
            raise TypeError(f"context_validator: expected a callable, got {type(context_validator).__name__}")
        if scheduler is not None and not callable(getattr(scheduler, "schedule", None)):
            raise TypeError(f"scheduler: expected a Scheduler, got {type(scheduler).__name__}")
        self.machine = machine
        self.state_store = state_store
        self._access: StoreAccess = access_for(state_store)
        if guards is not None:
            machine.bind_guards(guards)
        if isinstance(actions, ActionExecutor):
            self.executor = actions
        else:
            self.executor = ActionExecutor(actions if actions is not None else machine.action_registry)
        self.context_validator = context_validator
        self.scheduler = scheduler
        self.use_initial_state_when_missing = use_initial_state_when_missing
        self.observer = TransitionObserver(hooks or ())
        self._max_attempts = max_attempts
        self._clock = clock if clock is not None else getattr(scheduler, "clock", None)
        self._fallback = steps.fallback_mode(machine)
        self._recent = None if self._access.transactional else RecentOutcomes()
        self._machine_key = machine.name or "machine"
        self._timers: TimerKeeper | None = None
        if scheduler is not None:
            self._timers = TimerKeeper(scheduler, machine, self._machine_key, self.fire_timer, self._now)
        if entity_cache is not None and not self._access.transactional:
            raise TypeError("entity_cache: needs a TransactionalStateStore (its commits return the entity)")
        self._cache = entity_cache
        self._bridge = SyncBridge()
        self._closed = False

    def __repr__(self) -> str:
        return f"Orchestrator(machine={self.machine.name!r}, store={type(self.state_store).__name__})"

    @property
    def hooks(self) -> tuple[object, ...]:
        return self.observer.hooks

    def _now(self) -> datetime:
        return self._clock.now() if self._clock is not None else datetime.now(UTC)

    # ------------------------------------------------------------------ public API

    def process_event(
        self,
        entity_id: str,
        trigger: str | Event,
        context: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Process one event synchronously (guards must be sync; see ``async_process_event``)."""
        self._check_open()
        self._check_sync_timers()
        request = Request.build(entity_id, trigger, context, idempotency_key)
        return self._process(request)

    async def async_process_event(
        self,
        entity_id: str,
        trigger: str | Event,
        context: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
    ) -> TransitionResult:
        """Process one event; sync and async guards, validators, hooks and actions alike."""
        self._check_open()
        request = Request.build(entity_id, trigger, context, idempotency_key)
        return await self._aprocess(request)

    # ------------------------------------------------------------------ the algorithm

    def _process(self, request: Request) -> TransitionResult:
        return drive_sync(self._steps(request))

    async def _aprocess(self, request: Request) -> TransitionResult:
        return await drive_async(self._steps(request))

    def _steps(self, request: Request) -> Steps[TransitionResult]:
        """One event, start to end; yields a ``Call`` for each piece of I/O (see ``driver.py``)."""
        cached = self._recent_outcome(request)
        if cached is not None:
            return cached
        attempt, fresh_only = 1, self._cache is None
        while True:
            loaded, cached_read = yield from self._load(request.entity_id, fresh_only)
            if request.timer is not None and not self._timer_is_current(request.timer, loaded):
                if cached_read:  # decide nothing on a cached record: read the store
                    fresh_only = True
                    continue
                return steps.stale_timer_result(request, loaded)
            state = steps.current_state(self.machine, request, loaded, self.use_initial_state_when_missing)
            ctx = steps.machine_context(loaded, request)
            result: TransitionResult = yield Call(self._compute, self._acompute, (request, state, ctx))
            result, move = self._with_fallback(result, state)
            if not result.success or (result.is_no_op and not move):
                if cached_read:
                    fresh_only = True
                    continue
                return (yield from self._not_applied(request, loaded, result))
            specs = steps.planned_specs(result)
            run = ActionRun(len(specs))
            new_ctx = apply_effects(self.executor, specs, steps.with_history(ctx, result), run)
            commit = steps.build_commit(
                self.machine,
                request=request,
                loaded=loaded,
                state=state,
                result=result,
                context=new_ctx,
                specs=specs,
            )
            committed = yield from self._commit(request, commit, attempt, state, ctx)
            if committed is None:  # a version conflict within the budget: reload and try again
                attempt += 1
                continue
            if committed.duplicate:
                self._forget(request.entity_id)
                assert committed.record is not None
                return steps.duplicate_result(committed.record, request)
            return (yield from self._after_commit_steps(request, result, committed, run, new_ctx=new_ctx))

    def _after_commit_steps(
        self,
        request: Request,
        result: TransitionResult,
        committed: Committed,
        run: ActionRun,
        *,
        new_ctx: dict[str, Any],
    ) -> Steps[TransitionResult]:
        """Timers, actions and their outcomes after an applied commit (each step only when needed)."""
        specs = steps.planned_specs(result)
        if self._cache is not None and committed.entity is not None:
            self._cache.put(committed.entity)
        if self._timers is not None:
            yield Call(self._after_commit_sync, self._after_commit, (request, result, committed))
        if specs:
            keys = self._action_keys(request, committed, specs)
            yield Call(run_actions, arun_actions, (self.executor, specs, keys, new_ctx, run))
            if self._access.transactional:
                yield from self._record_outcomes(request, committed, run)
        return self._remember(
            request, steps.decorate_success(result, request, committed.version, run, new_ctx)
        )

    def _commit(
        self, request: Request, commit: TransitionCommit, attempt: int, state: str, ctx: dict[str, Any]
    ) -> Steps[Committed | None]:
        """The atomic write; None after a version conflict that may be retried."""
        access, observer = self._access, self.observer
        try:
            committed: Committed = yield Call(access.commit, access.acommit, (commit,))
        except StaleVersionError as exc:
            self._forget(request.entity_id)
            if attempt < self._max_attempts:
                logger.debug("version conflict on %s (attempt %d); reloading", request.entity_id, attempt)
                yield Call(time.sleep, _asleep, (_backoff(attempt),))
                return None
            yield Call(observer.transition_error, observer.atransition_error, (exc, state, request.name, ctx))
            raise _gave_up(exc, request, attempt) from exc
        except Exception as exc:
            yield Call(observer.transition_error, observer.atransition_error, (exc, state, request.name, ctx))
            raise
        return committed

    def _load(self, entity_id: str, fresh_only: bool) -> Steps[tuple[Loaded, bool]]:
        """The entity, from the ``entity_cache`` when allowed and known there; ``(loaded, cached)``."""
        cache = self._cache
        if cache is not None and not fresh_only:
            record = cache.get(entity_id)
            if record is not None:
                return Loaded.from_record(record), True
        access = self._access
        loaded: Loaded = yield Call(access.load, access.aload, (entity_id,))
        if cache is not None and loaded.record is not None:
            cache.put(loaded.record)
        return loaded, False

    def _forget(self, entity_id: str) -> None:
        if self._cache is not None:
            self._cache.discard(entity_id)

    def _not_applied(
        self, request: Request, loaded: Loaded, result: TransitionResult
    ) -> Steps[TransitionResult]:
        """A result that writes nothing, unless its idempotency key was already committed."""
        if request.key is not None and loaded.state is not None:
            access = self._access
            record = yield Call(
                access.find_key, access.afind_key, (request.entity_id, loaded.version, request.key)
            )
            if record is not None:
                return steps.duplicate_result(record, request)
        return steps.decorate_failure(result, request, loaded)

    def _record_outcomes(self, request: Request, committed: Committed, run: ActionRun) -> Steps[None]:
        access = self._access
        try:
            yield Call(access.mark, access.amark, (request.entity_id, committed.version, outcomes_of(run)))
        except Exception:
            logger.exception(
                "could not record action outcomes of %s v%d; recovery will run them again",
                request.entity_id,
                committed.version,
            )

    def _compute(self, request: Request, state: str, ctx: dict[str, Any]) -> TransitionResult:
        observer = self.observer
        observer.before_process(request.entity_id, state, request.name, ctx)
        if self.context_validator is not None:
            verdict = self.context_validator(request.entity_id, state, request.name, dict(ctx))
            if is_awaitable(verdict):
                close = getattr(verdict, "close", None)
                if close is not None:
                    close()
                raise TypeError("context_validator is async: use async_process_event()")
            failed = self._validation_result(verdict, state, request)
            if failed is not None:
                observer.transition_complete(failed, 0.0, ctx)
                return failed
        observer.transition_start(state, request.name, ctx)
        started = time.perf_counter()
        try:
            result = self.machine.process(state, request.trigger, ctx)
        except Exception as exc:
            observer.transition_error(exc, state, request.name, ctx)
            raise
        observer.transition_complete(result, (time.perf_counter() - started) * 1000.0, ctx)
        return result

    async def _acompute(self, request: Request, state: str, ctx: dict[str, Any]) -> TransitionResult:
        observer = self.observer
        await observer.abefore_process(request.entity_id, state, request.name, ctx)
        if self.context_validator is not None:
            verdict: Any = self.context_validator(request.entity_id, state, request.name, dict(ctx))
            if is_awaitable(verdict):
                verdict = await verdict
            failed = self._validation_result(verdict, state, request)
            if failed is not None:
                await observer.atransition_complete(failed, 0.0, ctx)
                return failed
        await observer.atransition_start(state, request.name, ctx)
        started = time.perf_counter()
        try:
            result = await self.machine.aprocess(state, request.trigger, ctx)
        except Exception as exc:
            await observer.atransition_error(exc, state, request.name, ctx)
            raise
        await observer.atransition_complete(result, (time.perf_counter() - started) * 1000.0, ctx)
        return result

    # ------------------------------------------------------------------ shared pieces

    def _validation_result(self, verdict: object, state: str, request: Request) -> TransitionResult | None:
        ok, errors = check_verdict(verdict)
        return None if ok else validation_failure(state, request.name, errors)

    def _with_fallback(self, result: TransitionResult, state: str) -> tuple[TransitionResult, bool]:
        mode, target = self._fallback
        if mode != "persist" or target is None or result.success:
            return steps.with_fallback(result, mode, target, (), ())
        exited = self.machine.active_states(state)
        entered = self._timers.active_timers(target) if self._timers is not None else []
        return steps.with_fallback(result, mode, target, exited, entered)

    def _action_keys(self, request: Request, committed: Committed, specs: tuple[Any, ...]) -> list[str]:
        return [
            action_idempotency_key(self.machine.name, request.entity_id, committed.version, index)
            for index in range(len(specs))
        ]

    def _recent_outcome(self, request: Request) -> TransitionResult | None:
        if self._recent is None or request.key is None:
            return None
        return self._recent.get(request.entity_id, request.key)

    def _remember(self, request: Request, result: TransitionResult) -> TransitionResult:
        if self._recent is not None and request.key is not None:
            first = TransitionResult(
                success=True,
                source_state=result.source_state,
                target_state=result.target_state,
                trigger=result.trigger,
                metadata={
                    "duplicate": True,
                    "entity_id": request.entity_id,
                    "version": result.metadata.get("version"),
                    "idempotency_key": request.key,
                },
            )
            self._recent.put(request.entity_id, request.key, first)
        return result

    def _check_open(self) -> None:
        if self._closed:
            raise FSMError("the orchestrator is closed; create a new one to process events")

    # ------------------------------------------------------------------ timers

    def _timer_is_current(self, ref: TimerRef, loaded: Loaded) -> bool:
        if loaded.state is None or loaded.version != ref.state_version:
            return False
        try:
            return ref.state in self.machine.active_states(loaded.state)
        except UndefinedStateError:
            return False

    def _after_commit_sync(self, request: Request, result: TransitionResult, committed: Committed) -> None:
        if self._timers is not None:
            self._bridge.run(self._after_commit(request, result, committed))

    async def _after_commit(self, request: Request, result: TransitionResult, committed: Committed) -> None:
        if self._timers is None or result.target_state is None:
            return
        await self._timers.after_commit(request.entity_id, result.target_state, committed.version, result)

    async def fire_timer(self, task: ScheduledTask) -> None:
        """Deliver a fired timer: its transition goes through the same path as any event.

        This is the callback the Orchestrator registers with its scheduler (under the handler name
        ``pystator.orchestrator:<machine name>``). The fire is dropped unless the entity is still at
        the version and in the state the timer was armed for; its idempotency key is the timer's
        task id, so a timer delivered twice applies once.
        """
        try:
            ref = TimerRef.from_task(task)
        except ValueError:
            logger.warning("timer %s carries no pystator timer reference; ignored", task.task_id)
            return
        if ref.machine != self._machine_key or self._closed:
            return
        request = Request.build(ref.entity_id, ref.trigger, None, task.task_id, timer=ref)
        result = await self._aprocess(request)
        if result.metadata.get("reason") == "stale_timer":
            logger.debug("timer %s is stale (entity moved on); dropped", task.task_id)

    async def rebuild_timers(self, *, page_size: int = 500) -> int:
        """Re-arm the timers of every stored entity resting in a state with timers.

        Call at start-up (the asyncio scheduler keeps timers in memory only). Timers already known
        to the scheduler are left as they are; the others are armed for the time they have left,
        counted from the entity's last update. Needs a ``QueryableStateStore``. Returns how many
        timers were (re-)armed.
        """
        self._check_open()
        keeper = self._timers
        if keeper is None or not keeper.has_timers:
            return 0
        return await keeper.rebuild_all(self.state_store, page_size)

    async def start(self) -> None:
        """Start the scheduler firing timers (schedulers also start on their first ``schedule``)."""
        self._check_open()
        if self.scheduler is not None:
            await self.scheduler.start()

    def _check_sync_timers(self) -> None:
        if self._timers is not None and self._timers.has_timers:
            self._bridge.check_loop_for(self.scheduler)

    # ------------------------------------------------------------------ crash recovery

    def resume_pending_actions(
        self, *, older_than_s: float = 60.0, limit: int = 100
    ) -> list[TransitionRecord]:
        """Run the actions of committed transitions whose outcomes were never recorded.

        A process that died between the commit and ``mark_actions`` leaves such records. Each
        action runs again (at least once) with its stable key in ``context["_idempotency_key"]``;
        effects are not re-applied (they were part of the commit). ``older_than_s`` leaves alone
        transitions so recent that their own process may still be running their actions.
        Returns the records with their outcomes. Needs a ``TransactionalStateStore``.
        """
        from pystator.orchestrator.recovery import resume

        return resume(self, self._pending_cutoff(older_than_s), limit)

    async def aresume_pending_actions(
        self, *, older_than_s: float = 60.0, limit: int = 100
    ) -> list[TransitionRecord]:
        from pystator.orchestrator.recovery import aresume

        return await aresume(self, self._pending_cutoff(older_than_s), limit)

    def _pending_cutoff(self, older_than_s: float) -> datetime:
        if not self._access.transactional:
            raise TypeError(
                "resume_pending_actions needs a TransactionalStateStore (one that records history); "
                f"{type(self.state_store).__name__} is not"
            )
        return self._now() - timedelta(seconds=older_than_s)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> Awaitable[None]:
        """Release the scheduler (and the private loop of the sync driver).

        Inside a running event loop this starts the asynchronous close and returns it, so that
        ``await orchestrator.close()`` waits for it; elsewhere it closes at once (awaiting the
        returned value is then a no-op).
        """
        import asyncio

        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            return loop.create_task(self.aclose())
        if not self._closed:
            self._bridge.run_to_end(self.aclose())
        self._bridge.close()
        return _Done()

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        await self._bridge.drain()
        if self.scheduler is not None:
            await self.scheduler.close()

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Orchestrator:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _gave_up(exc: StaleVersionError, request: Request, attempts: int) -> StaleVersionError:
    return StaleVersionError(
        f"entity {request.entity_id!r} kept changing concurrently: gave up after {attempts} attempts "
        f"({exc.message})",
        entity_id=request.entity_id,
        expected_version=exc.expected_version,
        actual_version=exc.actual_version,
        context={"attempts": attempts},
    )


async def _asleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


def _backoff(attempt: int) -> float:
    """Seconds to wait before retrying a version conflict: short, jittered, growing."""
    return random.uniform(0, min(0.05, 0.0005 * 2**attempt))
