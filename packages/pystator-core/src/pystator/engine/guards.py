"""Compiled guards: registered names, ``expr:``, ``check:`` and ``allOf`` / ``anyOf`` / ``not``.

A compiled guard is called with the (read-only) context and returns ``True`` / ``False`` when it could
decide synchronously, or an awaitable of the verdict when an async registered guard was involved
(composites then finish their evaluation inside that awaitable). The kernel forwards awaitables to
its driver: ``aprocess`` awaits them, ``process`` reports the async guard as an error. So one
evaluation algorithm serves both entry points.

Registered names are looked up at call time in the machine's current ``GuardRegistry``, so guards
may be registered (``bind_guards``, ``@machine.guard``) after the machine was built. ``expr:`` and
``check:`` are compiled once, here, at load time.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Coroutine, Generator, Mapping
from typing import Any

from pystator.engine.nodes import unguarded
from pystator.errors import ConfigurationError, GuardNotFoundError
from pystator.guards import GuardRegistry

__all__ = [
    "AllOfGuard",
    "AnyOfGuard",
    "Guard",
    "GuardBinding",
    "NotGuard",
    "PredicateGuard",
    "RegisteredGuard",
    "compile_guard",
    "compile_guards",
    "quick_test",
]

Verdict = bool | Awaitable[Any]


class GuardBinding:
    """The machine's current guard registry; replaced by ``bind_guards``, shared by every guard."""

    __slots__ = ("registry", "strict")

    def __init__(self, registry: GuardRegistry, *, strict: bool) -> None:
        self.registry = registry
        self.strict = strict


class Guard:
    """Base of compiled guards; ``label`` names the guard in results (``guard_name``).

    ``pure`` is true when the guard is decided by configuration alone (``expr:``, ``check:`` and
    composites of them): synchronous, side-effect free, independent of any registry.
    """

    __slots__ = ("label",)
    pure = False

    def __init__(self, label: str) -> None:
        self.label = label

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        raise NotImplementedError

    @property
    def names(self) -> tuple[str, ...]:
        """Registered guard names this guard refers to (for queries and lint)."""
        return ()


class RegisteredGuard(Guard):
    """A guard referenced by name; an unregistered name fails in strict mode and passes otherwise."""

    __slots__ = ("binding", "name")

    def __init__(self, name: str, binding: GuardBinding) -> None:
        super().__init__(name)
        self.name = name
        self.binding = binding

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        fn = self.binding.registry._items.get(self.name)
        if fn is None:
            if self.binding.strict:
                raise GuardNotFoundError(f"guard {self.name!r} is not registered", guard_name=self.name)
            return True
        outcome: Any = fn(context)
        if outcome is True or outcome is False:
            return outcome
        if inspect.isawaitable(outcome):
            return outcome
        return bool(outcome)

    @property
    def names(self) -> tuple[str, ...]:
        return (self.name,)


class PredicateGuard(Guard):
    """``expr:`` or ``check:``: a synchronous predicate compiled at load time.

    ``test`` answers the same question for ``quick_test``: truthy exactly when the guard passes, but
    free to raise anything where the guard would raise an error (by default, the predicate itself).
    """

    __slots__ = ("predicate", "test")
    pure = True

    def __init__(
        self,
        label: str,
        predicate: Callable[[Mapping[str, Any]], Any],
        test: Callable[[Mapping[str, Any]], Any] | None = None,
    ) -> None:
        super().__init__(label)
        self.predicate = predicate
        self.test = predicate if test is None else test

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        return bool(self.predicate(context))


class _Composite(Guard):
    __slots__ = ("parts", "pure")

    def __init__(self, label: str, parts: tuple[Guard, ...]) -> None:
        super().__init__(label)
        self.parts = parts
        self.pure = all(part.pure for part in parts)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for part in self.parts for name in part.names)


class _Continuation:
    """The rest of a composite's evaluation once a part answered with an awaitable.

    Closing it (``process`` refusing async guards) also closes that part's pending awaitable, so no
    coroutine is left never awaited.
    """

    __slots__ = ("_coroutine", "_pending")

    def __init__(self, coroutine: Coroutine[Any, Any, bool], pending: Awaitable[Any]) -> None:
        self._coroutine = coroutine
        self._pending = pending

    def __await__(self) -> Generator[Any, None, bool]:
        return self._coroutine.__await__()

    def close(self) -> None:
        self._coroutine.close()
        close = getattr(self._pending, "close", None)
        if close is not None:
            close()


class AllOfGuard(_Composite):
    __slots__ = ()

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        for index, part in enumerate(self.parts):
            verdict = part(context)
            if verdict is False:
                return False
            if verdict is not True:
                return _Continuation(self._finish(context, verdict, index), verdict)
        return True

    async def _finish(self, context: Mapping[str, Any], pending: Awaitable[Any], index: int) -> bool:
        if not await pending:
            return False
        for part in self.parts[index + 1 :]:
            verdict = part(context)
            if verdict is not True and verdict is not False:
                verdict = bool(await verdict)
            if not verdict:
                return False
        return True


class AnyOfGuard(_Composite):
    __slots__ = ()

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        for index, part in enumerate(self.parts):
            verdict = part(context)
            if verdict is True:
                return True
            if verdict is not False:
                return _Continuation(self._finish(context, verdict, index), verdict)
        return False

    async def _finish(self, context: Mapping[str, Any], pending: Awaitable[Any], index: int) -> bool:
        if await pending:
            return True
        for part in self.parts[index + 1 :]:
            verdict = part(context)
            if verdict is not True and verdict is not False:
                verdict = bool(await verdict)
            if verdict:
                return True
        return False


class NotGuard(_Composite):
    __slots__ = ()

    def __call__(self, context: Mapping[str, Any]) -> Verdict:
        verdict = self.parts[0](context)
        if verdict is True:
            return False
        if verdict is False:
            return True
        return _Continuation(self._negate(verdict), verdict)

    async def _negate(self, pending: Awaitable[Any]) -> bool:
        return not await pending


def compile_guards(entries: list[Any], binding: GuardBinding, *, path: str) -> tuple[Guard, ...]:
    return tuple(compile_guard(entry, binding, path=f"{path}[{i}]") for i, entry in enumerate(entries))


def compile_guard(entry: Any, binding: GuardBinding, *, path: str) -> Guard:
    """One guard entry (a name or a validated contract model) as a callable ``Guard``."""
    if isinstance(entry, str):
        return RegisteredGuard(entry, binding)
    expr = getattr(entry, "expr", None)
    if isinstance(expr, str):
        from pystator.expressions import compile_expression

        compiled = compile_expression(expr, path=f"{path}.expr")
        return PredicateGuard(f"expr: {expr}", compiled.evaluate, compiled.unchecked)
    check = getattr(entry, "check", None)
    if check is not None:
        from pystator.conditions import compile_check

        return PredicateGuard(_check_label(check), compile_check(check))
    all_of = getattr(entry, "all_of", None)
    if all_of is not None:
        parts = compile_guards(list(all_of), binding, path=f"{path}.allOf")
        return AllOfGuard(f"allOf({', '.join(p.label for p in parts)})", parts)
    any_of = getattr(entry, "any_of", None)
    if any_of is not None:
        parts = compile_guards(list(any_of), binding, path=f"{path}.anyOf")
        return AnyOfGuard(f"anyOf({', '.join(p.label for p in parts)})", parts)
    if hasattr(entry, "not_"):
        part = compile_guard(entry.not_, binding, path=f"{path}.not")
        return NotGuard(f"not({part.label})", (part,))
    raise ConfigurationError(f"{path}: cannot compile guard entry {entry!r}")


def quick_test(guards: tuple[Guard, ...]) -> Callable[[Mapping[str, Any]], Any] | None:
    """One function deciding a transition's guards for the kernel's memo shortcut (``Kernel.quick``),
    or None when a guard is not pure.

    The function is truthy exactly when every guard passes, and raises (anything) where a guard
    would fail; it may be given the caller's plain ``dict`` rather than a read-only view, since pure
    guards only read the context.
    """
    if not all(guard.pure for guard in guards):
        return None
    tests = tuple(guard.test if type(guard) is PredicateGuard else guard for guard in guards)
    if not tests:
        return unguarded
    if len(tests) == 1:
        return tests[0]

    def every_guard(context: Mapping[str, Any]) -> bool:
        return all(test(context) for test in tests)

    return every_guard


def _check_label(check: Any) -> str:
    if check.op in ("is_set", "is_null"):
        return f"check: {check.field} {check.op}"
    operand = check.values if check.op in ("in", "not_in") else check.value
    return f"check: {check.field} {check.op} {operand!r}"
