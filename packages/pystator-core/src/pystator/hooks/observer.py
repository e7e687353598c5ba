"""``TransitionObserver``: fans lifecycle notifications out to hooks, cheaply when there are none.

Whoever processes events (``EntitySession``, ``Orchestrator``, your own loop) calls the notify
methods — ``before_process``, ``transition_start``, ``transition_complete``, ``transition_error`` —
or wraps the processing in ``run()`` / ``arun()``, which does all four and times the transition.
The bound hook methods are collected when hooks are added, so a notification with no hooks is a
loop over an empty tuple, and ``run()`` with no hooks is one attribute check and the call itself.
"""

from __future__ import annotations

import inspect
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from pystator.hooks.protocol import HOOK_METHODS

if TYPE_CHECKING:
    from pystator.result import TransitionResult

__all__ = ["TransitionObserver"]

_Callbacks = tuple[Callable[..., Any], ...]


class TransitionObserver:
    """Holds hooks and notifies them; a hook's exception is logged and never propagates."""

    __slots__ = ("_before", "_complete", "_error", "_hooks", "_logger", "_start", "active")

    def __init__(
        self, hooks: Iterable[object] | None = None, *, logger: logging.Logger | None = None
    ) -> None:
        self._logger = logger or logging.getLogger("pystator.hooks")
        self._hooks: tuple[object, ...] = ()
        self._before: _Callbacks = ()
        self._start: _Callbacks = ()
        self._complete: _Callbacks = ()
        self._error: _Callbacks = ()
        self.active = False
        for hook in hooks or ():
            self.add_hook(hook)

    @property
    def hooks(self) -> tuple[object, ...]:
        return self._hooks

    def add_hook(self, hook: object) -> None:
        """Attach a hook: any object with at least one of the four ``on_*`` methods."""
        if not any(callable(getattr(hook, name, None)) for name in HOOK_METHODS):
            expected = ", ".join(HOOK_METHODS)
            raise TypeError(
                f"{type(hook).__name__} is not a transition hook: expected at least one of {expected}"
            )
        self._rebuild((*self._hooks, hook))

    def remove_hook(self, hook: object) -> None:
        if hook not in self._hooks:
            raise ValueError(f"{type(hook).__name__} is not attached to this observer")
        self._rebuild(tuple(h for h in self._hooks if h is not hook))

    def clear(self) -> None:
        self._rebuild(())

    def _rebuild(self, hooks: tuple[object, ...]) -> None:
        def bound(name: str) -> _Callbacks:
            return tuple(fn for hook in hooks if callable(fn := getattr(hook, name, None)))

        self._hooks = hooks
        self._before = bound("on_before_process")
        self._start = bound("on_transition_start")
        self._complete = bound("on_transition_complete")
        self._error = bound("on_transition_error")
        self.active = bool(hooks)

    # ------------------------------------------------------------------ sync notifications

    def before_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        for fn in self._before:
            self._call(fn, entity_id, current_state, trigger, context)

    def transition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        for fn in self._start:
            self._call(fn, current_state, trigger, context)

    def transition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        for fn in self._complete:
            self._call(fn, result, duration_ms, context)

    def transition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        for fn in self._error:
            self._call(fn, error, current_state, trigger, context)

    def _call(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            outcome = fn(*args)
        except Exception:
            self._logger.exception("transition hook %s raised; ignored", _describe(fn))
            return
        if inspect.isawaitable(outcome):
            if hasattr(outcome, "close"):
                outcome.close()
            self._logger.warning("transition hook %s is async: it runs only on the async path", _describe(fn))

    # ------------------------------------------------------------------ async notifications

    async def abefore_process(
        self, entity_id: str | None, current_state: str | None, trigger: str, context: Mapping[str, Any]
    ) -> None:
        for fn in self._before:
            await self._acall(fn, entity_id, current_state, trigger, context)

    async def atransition_start(self, current_state: str, trigger: str, context: Mapping[str, Any]) -> None:
        for fn in self._start:
            await self._acall(fn, current_state, trigger, context)

    async def atransition_complete(
        self, result: TransitionResult, duration_ms: float, context: Mapping[str, Any]
    ) -> None:
        for fn in self._complete:
            await self._acall(fn, result, duration_ms, context)

    async def atransition_error(
        self, error: BaseException, current_state: str, trigger: str, context: Mapping[str, Any]
    ) -> None:
        for fn in self._error:
            await self._acall(fn, error, current_state, trigger, context)

    async def _acall(self, fn: Callable[..., Any], *args: Any) -> None:
        try:
            outcome = fn(*args)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            self._logger.exception("transition hook %s raised; ignored", _describe(fn))

    # ------------------------------------------------------------------ wrapping a transition

    def run(
        self,
        process: Callable[[], TransitionResult],
        *,
        entity_id: str | None,
        current_state: str,
        trigger: str,
        context: Mapping[str, Any],
    ) -> TransitionResult:
        """Call ``process()`` between the four notifications; its exception is re-raised."""
        if not self.active:
            return process()
        self.before_process(entity_id, current_state, trigger, context)
        self.transition_start(current_state, trigger, context)
        started = time.perf_counter()
        try:
            result = process()
        except Exception as exc:
            self.transition_error(exc, current_state, trigger, context)
            raise
        self.transition_complete(result, (time.perf_counter() - started) * 1000.0, context)
        return result

    async def arun(
        self,
        process: Callable[[], Awaitable[TransitionResult]],
        *,
        entity_id: str | None,
        current_state: str,
        trigger: str,
        context: Mapping[str, Any],
    ) -> TransitionResult:
        """Async twin of ``run``; async hook methods are awaited."""
        if not self.active:
            return await process()
        await self.abefore_process(entity_id, current_state, trigger, context)
        await self.atransition_start(current_state, trigger, context)
        started = time.perf_counter()
        try:
            result = await process()
        except Exception as exc:
            await self.atransition_error(exc, current_state, trigger, context)
            raise
        await self.atransition_complete(result, (time.perf_counter() - started) * 1000.0, context)
        return result


def _describe(fn: Callable[..., Any]) -> str:
    owner = getattr(fn, "__self__", None)
    name = getattr(fn, "__name__", repr(fn))
    return f"{type(owner).__name__}.{name}" if owner is not None else name
