"""``ActionExecutor``: runs the actions a ``TransitionResult`` planned, after you persisted it.

Sequential (``execute`` / ``async_execute``): plan order, each action seeing the context as the
previous ones left it. Concurrent (``async_execute_parallel``): every action starts at once and
sees the context as it was when the batch started; with ``phased=True`` the exit actions run
together, then the transition's, then the enter actions. Every action yields an ``ActionResult``;
a failure never hides the others' results (with ``stop_on_error`` the rest are recorded as skipped).

Context: the mapping you pass is never modified. Each action works on its own copy; the changes of
actions that succeed (effects, built-ins such as ``set_context``, your actions assigning keys,
``code:`` snippets) are kept in ``ExecutionResult.context``, which callers apply themselves.
Only top-level keys are copied: nested dicts changed through dotted paths by effects and built-ins
are copied on write, but your own actions must assign new nested values rather than mutate shared
ones in place. In parallel mode each action's changed top-level keys are merged in plan order.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pystator.actions.attempts import run_async, run_sync
from pystator.actions.branch import MAX_BRANCH_DEPTH, choose_branch
from pystator.actions.builtins import builtin_registries
from pystator.actions.code import code_actions_enabled
from pystator.actions.dispatch import DispatchSettings, Ready, check_registered, finished, prepare
from pystator.actions.execution import ExecutionResult
from pystator.actions.http import DEFAULT_MAX_RESPONSE_BYTES, http_actions_enabled
from pystator.actions.registry import ActionRegistry
from pystator.actions.result import ActionResult, ActionStatus

if TYPE_CHECKING:
    from pystator.result import ActionSpec, TransitionResult
    from pystator.sinks import EventSink, MetricSink

__all__ = ["PHASES", "ActionExecutor"]

PHASES = ("exit", "transition", "enter")


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def _asyncio_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


@dataclass(slots=True)
class _Run:
    """The mutable state of one execution: the working context and the results so far."""

    context: dict[str, Any]
    results: list[ActionResult] = field(default_factory=list)
    stopped_by: str | None = None


class ActionExecutor:
    """Run planned actions with per-action ``when``/``timeout``/``retry``/``retry_backoff``.

    ``registry`` holds your actions (names not found there fall back to the built-ins unless
    ``use_builtins=False``). ``strict=True`` raises ``ActionNotFoundError`` for an unregistered
    name (checked before anything runs); otherwise it is recorded as skipped. ``code:`` actions run
    only when enabled (``allow_code``, ``settings.features.inline_code_actions`` or the environment
    variable ``PYSTATOR_FEATURES_INLINE_CODE_ACTIONS``); ``http:`` actions unless disabled
    (``allow_http=False``, ``features.http_actions`` false or ``PYSTATOR_FEATURES_HTTP_ACTIONS``).
    ``sleep``/``async_sleep`` and ``clock`` are injectable, so retries and timestamps are testable
    without waiting.
    """

    def __init__(
        self,
        registry: ActionRegistry | None = None,
        stop_on_error: bool = False,
        log_execution: bool = True,
        strict: bool = False,
        *,
        use_builtins: bool = True,
        event_sink: EventSink | None = None,
        metric_sink: MetricSink | None = None,
        allow_code: bool | None = None,
        allow_http: bool | None = None,
        settings: Any = None,
        http_timeout: float = 10.0,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        max_branch_depth: int = MAX_BRANCH_DEPTH,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        async_sleep: Callable[[float], Awaitable[None]] | None = None,
        logger: logging.Logger | None = None,
    ) -> None:
        if http_timeout <= 0:
            raise ValueError(f"http_timeout: expected a positive number of seconds, got {http_timeout!r}")
        if max_branch_depth < 1:
            raise ValueError(f"max_branch_depth: expected at least 1, got {max_branch_depth!r}")
        self.registry = registry if registry is not None else ActionRegistry()
        self.stop_on_error = stop_on_error
        self.log_execution = log_execution
        self.strict = strict
        self.max_branch_depth = max_branch_depth
        self._sleep = sleep
        self._async_sleep = async_sleep or _asyncio_sleep
        self._logger = logger or logging.getLogger("pystator.actions")
        now = clock or _utc_now
        builtins = builtin_registries(event_sink=event_sink, metric_sink=metric_sink, clock=now).actions
        self._settings = DispatchSettings(
            registry=self.registry,
            builtins=builtins if use_builtins else None,
            strict=strict,
            allow_code=code_actions_enabled(allow_code, settings),
            allow_http=http_actions_enabled(allow_http, settings),
            http_timeout=float(http_timeout),
            max_response_bytes=max_response_bytes,
            clock=now,
        )

    @property
    def code_actions_enabled(self) -> bool:
        return self._settings.allow_code

    # ------------------------------------------------------------------ public API

    def execute(
        self,
        result: TransitionResult,
        context: Mapping[str, Any] | None = None,
        *,
        phases: Collection[str] | None = None,
    ) -> ExecutionResult:
        """Run the planned actions one after another (exit, transition, enter), synchronously."""
        return self._finish(result, self.execute_specs(_planned(result, phases), context))

    async def async_execute(
        self,
        result: TransitionResult,
        context: Mapping[str, Any] | None = None,
        *,
        phases: Collection[str] | None = None,
    ) -> ExecutionResult:
        """Like ``execute``; async actions are awaited, blocking ones with a time limit run in threads."""
        return self._finish(result, await self.async_execute_specs(_planned(result, phases), context))

    async def async_execute_parallel(
        self,
        result: TransitionResult,
        context: Mapping[str, Any] | None = None,
        *,
        phased: bool = False,
        phases: Collection[str] | None = None,
    ) -> ExecutionResult:
        """Run actions concurrently; ``phased=True`` runs one phase at a time (exit, transition, enter)."""
        specs = _planned(result, phases)
        if phased:
            execution = await self.async_execute_specs(specs, context, parallel=True, phased=True)
        else:
            execution = await self.async_execute_specs(specs, context, parallel=True)
        return self._finish(result, execution)

    async def async_execute_phased(
        self, result: TransitionResult, context: Mapping[str, Any] | None = None
    ) -> ExecutionResult:
        """Exit actions together, then transition actions together, then enter actions together."""
        return await self.async_execute_parallel(result, context, phased=True)

    def execute_specs(
        self, specs: Iterable[ActionSpec], context: Mapping[str, Any] | None = None
    ) -> ExecutionResult:
        """Run any sequence of specs in order (no ``TransitionResult`` needed)."""
        planned = self._checked(specs)
        run = _Run(dict(context or {}))
        self._sequence_sync(planned, run, depth=0)
        return ExecutionResult(None, run.results, run.context)

    async def async_execute_specs(
        self,
        specs: Iterable[ActionSpec],
        context: Mapping[str, Any] | None = None,
        *,
        parallel: bool = False,
        phased: bool = False,
    ) -> ExecutionResult:
        planned = self._checked(specs)
        run = _Run(dict(context or {}))
        if not parallel:
            await self._sequence_async(planned, run, depth=0)
        elif not phased:
            await self._batch_async(planned, run, depth=0)
        else:
            for phase in PHASES:
                batch = [spec for spec in planned if spec.phase == phase]
                if run.stopped_by is not None:
                    self._skip_rest(batch, run)
                elif batch:
                    await self._batch_async(batch, run, depth=0)
        return ExecutionResult(None, run.results, run.context)

    # ------------------------------------------------------------------ drivers

    def _checked(self, specs: Iterable[ActionSpec]) -> list[ActionSpec]:
        planned = list(specs)
        if self.strict:
            for spec in planned:
                check_registered(spec, self._settings)
        return planned

    def _finish(self, result: TransitionResult, execution: ExecutionResult) -> ExecutionResult:
        return ExecutionResult(result, execution.action_results, execution.context)

    def _settle(self, spec: ActionSpec, run: _Run, depth: int) -> Ready | list[ActionSpec] | None:
        """Everything short of running: a ``Ready`` to run, a branch's nested specs, or None (recorded)."""
        if run.stopped_by is not None:
            self._skip_rest([spec], run)
            return None
        prepared = prepare(spec, run.context, self._settings)
        if isinstance(prepared, ActionResult):
            self._record(run, prepared)
            return None
        if prepared.spec.kind == "branch":
            return self._enter_branch(prepared, run, depth)
        return prepared

    def _sequence_sync(self, specs: Iterable[ActionSpec], run: _Run, depth: int) -> None:
        for spec in specs:
            step = self._settle(spec, run, depth)
            if isinstance(step, Ready):
                self._record(run, *run_sync(step, run.context, self._sleep))
            elif step is not None:
                self._sequence_sync(step, run, depth + 1)

    async def _sequence_async(self, specs: Iterable[ActionSpec], run: _Run, depth: int) -> None:
        for spec in specs:
            step = self._settle(spec, run, depth)
            if isinstance(step, Ready):
                self._record(run, *await run_async(step, run.context, self._async_sleep))
            elif step is not None:
                await self._sequence_async(step, run, depth + 1)

    async def _batch_async(self, specs: list[ActionSpec], run: _Run, depth: int) -> None:
        import asyncio

        base = run.context
        isolated = [_Run(dict(base)) for _ in specs]
        await asyncio.gather(
            *(self._sequence_async([spec], sub, depth) for spec, sub in zip(specs, isolated))
        )
        merged = dict(base)
        for sub in isolated:
            for key, value in sub.context.items():
                if key not in base or base[key] is not value:
                    merged[key] = value
            for key in base.keys() - sub.context.keys():
                merged.pop(key, None)
            run.results.extend(sub.results)
            if sub.stopped_by is not None and run.stopped_by is None:
                run.stopped_by = sub.stopped_by
        run.context = merged

    def _enter_branch(self, ready: Ready, run: _Run, depth: int) -> list[ActionSpec] | None:
        """Record the branch's own result; the nested specs to run next, or None."""
        started = time.perf_counter()
        if depth + 1 > self.max_branch_depth:
            error = ValueError(f"branch: nested deeper than max_branch_depth={self.max_branch_depth}")
            self._record(
                run, finished(ready.spec, ActionStatus.FAILED, error=error, reason="too deep", attempts=1)
            )
            return None
        try:
            arm, nested = choose_branch(ready.spec, ready.definition, run.context)
        except Exception as exc:
            self._record(run, finished(ready.spec, ActionStatus.FAILED, error=exc, attempts=1))
            return None
        if self.strict:
            for spec in nested:
                check_registered(spec, self._settings)
        took = (time.perf_counter() - started) * 1000.0
        self._record(
            run,
            finished(
                ready.spec,
                ActionStatus.SUCCESS,
                result=arm,
                reason=f"took '{arm}'",
                duration_ms=took,
                attempts=1,
            ),
        )
        return nested

    def _skip_rest(self, specs: Iterable[ActionSpec], run: _Run) -> None:
        for spec in specs:
            reason = f"not run: stop_on_error after {run.stopped_by!r} failed"
            self._record(run, finished(spec, ActionStatus.SKIPPED, reason=reason))

    def _record(self, run: _Run, outcome: ActionResult, adopted: dict[str, Any] | None = None) -> None:
        run.results.append(outcome)
        if adopted is not None and outcome.status is ActionStatus.SUCCESS:
            run.context = adopted
        if outcome.failed and self.stop_on_error and run.stopped_by is None:
            run.stopped_by = outcome.action_name
        if self.log_execution:
            self._log(outcome)

    def _log(self, outcome: ActionResult) -> None:
        if outcome.failed:
            self._logger.warning(
                "action %s %s after %d attempt(s) in %.1f ms: %s",
                outcome.action_name,
                outcome.status.value,
                outcome.attempts,
                outcome.duration_ms,
                outcome.error,
            )
        elif self._logger.isEnabledFor(logging.DEBUG):
            detail = f" ({outcome.reason})" if outcome.reason else ""
            self._logger.debug(
                "action %s %s in %.1f ms%s",
                outcome.action_name,
                outcome.status.value,
                outcome.duration_ms,
                detail,
            )


def _planned(result: TransitionResult, phases: Collection[str] | None) -> list[ActionSpec]:
    """The specs of a successful result in run order, optionally only some phases."""
    if not result.success:
        return []
    specs = list(result.all_action_specs)
    if phases is None:
        return specs
    unknown = [p for p in phases if p not in PHASES]
    if unknown:
        raise ValueError(f"phases: unknown {unknown!r}; expected any of {', '.join(PHASES)}")
    return [spec for spec in specs if spec.phase in phases]
