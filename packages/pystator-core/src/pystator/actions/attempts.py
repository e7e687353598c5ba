"""Running one prepared action: time limit and retries, with thin sync and async drivers.

Each attempt runs on a private shallow copy of the context; the copy is returned only when the
attempt succeeded, so a failed or timed-out attempt never leaves half its changes behind. A time
limit on a blocking action runs it in a daemon thread (sync) or a worker thread (async) that is
abandoned, not killed, when the limit passes: Python cannot stop a thread. Exceptions that are
``TimeoutError`` count as timed out; any other ``Exception`` as failed.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pystator.actions.dispatch import Ready, finished
from pystator.actions.http import HttpActionError, ignores_errors
from pystator.actions.options import retry_delay
from pystator.actions.result import ActionResult, ActionStatus
from pystator.errors import ActionExecutionError, TransitionTimeoutError

__all__ = ["Attempt", "run_async", "run_sync"]


@dataclass(frozen=True, slots=True)
class Attempt:
    status: ActionStatus
    value: Any = None
    error: BaseException | None = None
    context: dict[str, Any] | None = None


def _timed_out(ready: Ready, limit: float) -> Attempt:
    error = TransitionTimeoutError(
        f"action {ready.spec.name!r} did not finish within {limit:g} s",
        context={"action_name": ready.spec.name, "timeout_s": limit},
    )
    return Attempt(ActionStatus.TIMED_OUT, error=error)


def _failure(exc: Exception) -> Attempt:
    status = ActionStatus.TIMED_OUT if isinstance(exc, TimeoutError) else ActionStatus.FAILED
    return Attempt(status, error=exc)


def _call_blocking(ready: Ready, context: dict[str, Any]) -> Any:
    """Call the handler from synchronous code; an async action gets its own event loop."""
    assert ready.handler is not None
    value = ready.handler(context)
    if inspect.isawaitable(value):
        import asyncio

        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return asyncio.run(_awaited(value))
        if hasattr(value, "close"):
            value.close()
        raise ActionExecutionError(
            f"action {ready.spec.name!r} is async and execute() was called inside a running event loop: "
            "use async_execute()",
            action_name=ready.spec.name,
        )
    return value


async def _awaited(value: Awaitable[Any]) -> Any:
    return await value


def _attempt_sync(ready: Ready, base: dict[str, Any]) -> Attempt:
    context = dict(base)
    limit = ready.options.timeout
    if limit is None:
        try:
            return Attempt(ActionStatus.SUCCESS, _call_blocking(ready, context), context=context)
        except Exception as exc:
            return _failure(exc)
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["value"] = _call_blocking(ready, context)
        except Exception as exc:
            box["error"] = exc

    worker = threading.Thread(target=target, name=f"pystator-action-{ready.spec.name}", daemon=True)
    worker.start()
    worker.join(limit)
    if worker.is_alive():
        return _timed_out(ready, limit)
    if "error" in box:
        return _failure(box["error"])
    if "value" not in box:
        return Attempt(
            ActionStatus.FAILED, error=RuntimeError(f"action {ready.spec.name!r} ended abnormally")
        )
    return Attempt(ActionStatus.SUCCESS, box["value"], context=context)


async def _in_daemon_thread(ready: Ready, context: dict[str, Any]) -> Any:
    """Run a blocking handler in a daemon thread and await its outcome.

    Not ``asyncio.to_thread``: the default executor is joined when the loop shuts down, so one
    abandoned (timed-out) action would hang ``asyncio.run()`` at exit; a daemon thread does not.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    future: asyncio.Future[Any] = loop.create_future()

    def deliver(value: Any, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(value)

    def target() -> None:
        try:
            value, error = _call_blocking(ready, context), None
        except Exception as exc:
            value, error = None, exc
        # RuntimeError: the loop closed in the meantime, so nobody is waiting any more.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(deliver, value, error)

    threading.Thread(target=target, name=f"pystator-action-{ready.spec.name}", daemon=True).start()
    return await future


async def _attempt_async(ready: Ready, base: dict[str, Any]) -> Attempt:
    import asyncio

    context = dict(base)
    limit = ready.options.timeout
    handler = ready.handler
    assert handler is not None

    async def call() -> Any:
        if ready.blocking and (limit is not None or ready.spec.kind == "http"):
            return await _in_daemon_thread(ready, context)
        value = handler(context)
        if inspect.isawaitable(value):
            value = await value
        return value

    try:
        value = await (call() if limit is None else asyncio.wait_for(call(), limit))
    except TimeoutError as exc:
        return _timed_out(ready, limit) if limit is not None else _failure(exc)
    except Exception as exc:
        return _failure(exc)
    return Attempt(ActionStatus.SUCCESS, value, context=context)


def _result(
    ready: Ready, last: Attempt, attempts: int, started: float
) -> tuple[ActionResult, dict[str, Any] | None]:
    duration_ms = (time.perf_counter() - started) * 1000.0
    status, value, reason = last.status, last.value, ""
    if status is not ActionStatus.SUCCESS and ready.spec.kind == "http" and ignores_errors(ready.definition):
        status, reason = ActionStatus.SUCCESS, "http error ignored (on_error: continue)"
        value = last.error.response if isinstance(last.error, HttpActionError) else None
    elif attempts > 1 and status is not ActionStatus.SUCCESS:
        reason = f"gave up after {attempts} attempts"
    outcome = finished(
        ready.spec,
        status,
        result=value,
        error=last.error,
        reason=reason,
        duration_ms=duration_ms,
        attempts=attempts,
    )
    return outcome, last.context


def run_sync(
    ready: Ready, base: dict[str, Any], sleep: Callable[[float], None]
) -> tuple[ActionResult, dict[str, Any] | None]:
    """Run with retries; returns the result and the context to adopt (None when nothing to adopt)."""
    started = time.perf_counter()
    attempt = 0
    while True:
        attempt += 1
        last = _attempt_sync(ready, base)
        if last.status is ActionStatus.SUCCESS or attempt >= ready.options.attempts:
            return _result(ready, last, attempt, started)
        delay = retry_delay(ready.options, attempt)
        if delay > 0:
            sleep(delay)


async def run_async(
    ready: Ready, base: dict[str, Any], sleep: Callable[[float], Awaitable[None]]
) -> tuple[ActionResult, dict[str, Any] | None]:
    started = time.perf_counter()
    attempt = 0
    while True:
        attempt += 1
        last = await _attempt_async(ready, base)
        if last.status is ActionStatus.SUCCESS or attempt >= ready.options.attempts:
            return _result(ready, last, attempt, started)
        delay = retry_delay(ready.options, attempt)
        if delay > 0:
            await sleep(delay)
