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
from collections.abc import Awaitable, Coroutine, Generator, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from pystator.actions.executor import ActionExecutor
from pystator.actions.registry import ActionRegistry
from pystator.errors import FSMError, StaleVersionError, UndefinedStateError
from pystator.event import Event
from pystator.guards import GuardRegistry
from pystator.hooks.observer import TransitionObserver
from pystator.orchestrator import steps
from pystator.orchestrator.recent import RecentOutcomes
from pystator.orchestrator.running import ActionRun, apply_effects, arun_actions, outcomes_of, run_actions
from pystator.orchestrator.steps import Request
from pystator.orchestrator.store_access import Committed, Loaded, StoreAccess, access_for
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
from pystator.stores.protocols import AsyncQueryableStateStore, QueryableStateStore
from pystator.stores.records import TransitionRecord, action_idempotency_key

if TYPE_CHECKING:
    import asyncio

    from pystator.clock import Clock
    from pystator.machine import StateMachine

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
    ) -> None:
        if isinstance(max_attempts, bool) or not isinstance(max_attempts, int) or max_attempts < 1:
            raise ValueError(f"max_attempts: expected an integer >= 1, got {max_attempts!r}")
        if context_validator is not None and not callable(context_validator):
            raise TypeError(f"context_validator: expected a callable, got {type(context_validator).__name__}")
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
        self._background: set[asyncio.Task[Any]] = set()
        self._sync_loop: asyncio.AbstractEventLoop | None = None
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

    # ------------------------------------------------------------------ the sync driver

    def _process(self, request: Request) -> TransitionResult:
        cached = self._recent_outcome(request)
        if cached is not None:
            return cached
        for attempt in range(1, self._max_attempts + 1):
            loaded = self._access.load(request.entity_id)
            if request.timer is not None and not self._timer_is_current(request.timer, loaded):
                return steps.stale_timer_result(request, loaded)
            state = steps.current_state(self.machine, request, loaded, self.use_initial_state_when_missing)
            ctx = steps.machine_context(loaded, request)
            result = self._compute(request, state, ctx)
            result, move = self._with_fallback(result, state)
            if not result.success or (result.is_no_op and not move):
                return self._not_applied(request, loaded, result)
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
            try:
                committed = self._access.commit(commit)
            except StaleVersionError as exc:
                self._retry_or_raise(exc, request, attempt, state, ctx)
                time.sleep(_backoff(attempt))
                continue
            except Exception as exc:
                self.observer.transition_error(exc, state, request.name, ctx)
                raise
            if committed.duplicate:
                return self._duplicate(committed, request)
            self._run_sync(self._after_commit(request, result, committed))
            final_ctx = run_actions(
                self.executor, specs, self._action_keys(request, committed, specs), new_ctx, run
            )
            self._mark(request, committed, run, specs)
            return self._remember(
                request, steps.decorate_success(result, request, committed.version, run, final_ctx)
            )
        raise AssertionError("unreachable")  # pragma: no cover

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

    def _not_applied(self, request: Request, loaded: Loaded, result: TransitionResult) -> TransitionResult:
        if request.key is not None and loaded.state is not None:
            record = self._access.find_key(request.entity_id, loaded.version, request.key)
            if record is not None:
                return steps.duplicate_result(record, request)
        return steps.decorate_failure(result, request, loaded)

    def _mark(self, request: Request, committed: Committed, run: ActionRun, specs: tuple[Any, ...]) -> None:
        if not specs or not self._access.transactional:
            return
        try:
            self._access.mark(request.entity_id, committed.version, outcomes_of(run))
        except Exception:
            logger.exception(
                "could not record action outcomes of %s v%d; recovery will run them again",
                request.entity_id,
                committed.version,
            )

    # ------------------------------------------------------------------ the async driver

    async def _aprocess(self, request: Request) -> TransitionResult:
        import asyncio

        cached = self._recent_outcome(request)
        if cached is not None:
            return cached
        for attempt in range(1, self._max_attempts + 1):
            loaded = await self._access.aload(request.entity_id)
            if request.timer is not None and not self._timer_is_current(request.timer, loaded):
                return steps.stale_timer_result(request, loaded)
            state = steps.current_state(self.machine, request, loaded, self.use_initial_state_when_missing)
            ctx = steps.machine_context(loaded, request)
            result = await self._acompute(request, state, ctx)
            result, move = self._with_fallback(result, state)
            if not result.success or (result.is_no_op and not move):
                return await self._anot_applied(request, loaded, result)
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
            try:
                committed = await self._access.acommit(commit)
            except StaleVersionError as exc:
                if attempt >= self._max_attempts:
                    await self.observer.atransition_error(exc, state, request.name, ctx)
                self._retry_or_raise(exc, request, attempt, state, ctx, notify=False)
                await asyncio.sleep(_backoff(attempt))
                continue
            except Exception as exc:
                await self.observer.atransition_error(exc, state, request.name, ctx)
                raise
            if committed.duplicate:
                return self._duplicate(committed, request)
            await self._after_commit(request, result, committed)
            keys = self._action_keys(request, committed, specs)
            final_ctx = await arun_actions(self.executor, specs, keys, new_ctx, run)
            await self._amark(request, committed, run, specs)
            return self._remember(
                request, steps.decorate_success(result, request, committed.version, run, final_ctx)
            )
        raise AssertionError("unreachable")  # pragma: no cover

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

    async def _anot_applied(
        self, request: Request, loaded: Loaded, result: TransitionResult
    ) -> TransitionResult:
        if request.key is not None and loaded.state is not None:
            record = await self._access.afind_key(request.entity_id, loaded.version, request.key)
            if record is not None:
                return steps.duplicate_result(record, request)
        return steps.decorate_failure(result, request, loaded)

    async def _amark(
        self, request: Request, committed: Committed, run: ActionRun, specs: tuple[Any, ...]
    ) -> None:
        if not specs or not self._access.transactional:
            return
        try:
            await self._access.amark(request.entity_id, committed.version, outcomes_of(run))
        except Exception:
            logger.exception(
                "could not record action outcomes of %s v%d; recovery will run them again",
                request.entity_id,
                committed.version,
            )

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

    def _retry_or_raise(
        self,
        exc: StaleVersionError,
        request: Request,
        attempt: int,
        state: str,
        ctx: Mapping[str, Any],
        *,
        notify: bool = True,
    ) -> None:
        if attempt < self._max_attempts:
            logger.debug("version conflict on %s (attempt %d); reloading", request.entity_id, attempt)
            return
        if notify:
            self.observer.transition_error(exc, state, request.name, ctx)
        raise StaleVersionError(
            f"entity {request.entity_id!r} kept changing concurrently: gave up after {attempt} attempts "
            f"({exc.message})",
            entity_id=request.entity_id,
            expected_version=exc.expected_version,
            actual_version=exc.actual_version,
            context={"attempts": attempt},
        ) from exc

    def _action_keys(self, request: Request, committed: Committed, specs: tuple[Any, ...]) -> list[str]:
        return [
            action_idempotency_key(self.machine.name, request.entity_id, committed.version, index)
            for index in range(len(specs))
        ]

    def _duplicate(self, committed: Committed, request: Request) -> TransitionResult:
        assert committed.record is not None
        return steps.duplicate_result(committed.record, request)

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
        store = self.state_store
        if not isinstance(store, QueryableStateStore | AsyncQueryableStateStore):
            raise TypeError(
                f"rebuild_timers needs a store that lists entities (QueryableStateStore); "
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
                    armed += await keeper.rebuild_entity(
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

    async def start(self) -> None:
        """Start the scheduler firing timers (schedulers also start on their first ``schedule``)."""
        self._check_open()
        if self.scheduler is not None:
            await self.scheduler.start()

    def _run_sync(self, work: Coroutine[Any, Any, None]) -> None:
        """Run timer work from the sync driver: on the running loop, or on a private one."""
        import asyncio

        if self._timers is None:
            work.close()
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if loop is not None:
            task = loop.create_task(work)
            self._background.add(task)
            task.add_done_callback(self._background.discard)
            task.add_done_callback(_log_failure)
            return
        if type(self.scheduler).__name__ == "AsyncioScheduler":
            work.close()
            raise FSMError(
                "AsyncioScheduler timers need a running event loop: call async_process_event() "
                "(or process_event() from code running in the loop)"
            )
        if self._sync_loop is None:
            self._sync_loop = asyncio.new_event_loop()
        self._sync_loop.run_until_complete(work)

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
            runner = self._sync_loop or asyncio.new_event_loop()
            self._sync_loop = runner
            runner.run_until_complete(self.aclose())
        self._close_sync_loop()
        return _Done()

    async def aclose(self) -> None:
        import asyncio

        if self._closed:
            return
        self._closed = True
        if self._background:
            await asyncio.gather(*self._background, return_exceptions=True)
        if self.scheduler is not None:
            await self.scheduler.close()

    def _close_sync_loop(self) -> None:
        if self._sync_loop is not None:
            self._sync_loop.close()
            self._sync_loop = None

    def __enter__(self) -> Orchestrator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    async def __aenter__(self) -> Orchestrator:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _backoff(attempt: int) -> float:
    """Seconds to wait before retrying a version conflict: short, jittered, growing."""
    return random.uniform(0, min(0.05, 0.0005 * 2**attempt))


def _log_failure(task: asyncio.Task[Any]) -> None:
    if not task.cancelled() and task.exception() is not None:
        logger.error("timer bookkeeping failed", exc_info=task.exception())
