"""Guards of every form: registered sync and async callables (``GuardRegistry``, ``bind_guards``,
``@machine.guard``), ``expr:``, ``check:``, and ``allOf`` / ``anyOf`` / ``not`` composites; what a
rejection reports."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from typing import Any

import pytest

from pystator import (
    ErrorCode,
    ExpressionEvaluationError,
    FSMError,
    GuardRegistry,
    GuardRejectedError,
    StateMachine,
)


def _machine(build: Callable[..., StateMachine], *guards: Any) -> StateMachine:
    return build(
        [{"name": "a", "type": "initial"}, {"name": "b"}],
        [{"trigger": "go", "source": "a", "dest": "b", "guards": list(guards)}],
    )


def test_registered_sync_guard(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "is_full_fill")
    machine.guard_registry.register(
        "is_full_fill", lambda ctx: ctx.get("fill_qty", 0) >= ctx.get("order_qty", 1)
    )
    assert run(machine, "a", "go", {"fill_qty": 100, "order_qty": 100}).success
    rejected = run(machine, "a", "go", {"fill_qty": 1, "order_qty": 100})
    assert not rejected.success
    assert dict(rejected.metadata) == {
        "reason": "guard_rejected",
        "guard_name": "is_full_fill",
        "guards_failed": ["is_full_fill"],
    }
    error = rejected.error
    assert isinstance(error, GuardRejectedError)
    assert (error.guard_name, error.current_state, error.trigger) == ("is_full_fill", "a", "go")
    assert error.code is ErrorCode.GUARD_REJECTED


def test_truthy_return_values_count(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "g")
    machine.guard_registry.register("g", lambda ctx: ctx.get("items"))
    assert run(machine, "a", "go", {"items": [1]}).success
    assert not run(machine, "a", "go", {"items": []}).success


def test_all_guards_must_pass_and_the_first_failure_is_reported(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    calls: list[str] = []
    machine = _machine(build, "one", "two", "three")
    for name, verdict in (("one", True), ("two", False), ("three", True)):
        machine.guard_registry.register(name, lambda ctx, n=name, v=verdict: calls.append(n) or v)
    result = run(machine, "a", "go")
    assert result.metadata["guard_name"] == "two"
    assert calls == ["one", "two"]  # evaluation stops at the first failure


def test_guards_failed_lists_the_rejection_of_every_candidate(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "c"}],
        [
            {"trigger": "go", "source": "a", "dest": "b", "guards": ["first"]},
            {"trigger": "go", "source": "a", "dest": "c", "guards": ["second"]},
        ],
    )
    machine.guard_registry.register("first", lambda ctx: False)
    machine.guard_registry.register("second", lambda ctx: False)
    result = run(machine, "a", "go")
    assert result.metadata["guards_failed"] == ["first", "second"]
    assert result.error.guards_failed == ("first", "second")  # type: ignore[union-attr]


def test_async_guard_is_awaited_by_aprocess(build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "remote_ok")

    @machine.guard("remote_ok")
    async def remote_ok(ctx: Mapping[str, Any]) -> bool:
        await asyncio.sleep(0)
        return bool(ctx.get("ok"))

    assert asyncio.run(machine.aprocess("a", "go", {"ok": True})).success
    rejected = asyncio.run(machine.aprocess("a", "go", {"ok": False}))
    assert rejected.metadata["guard_name"] == "remote_ok"


def test_async_guard_in_process_is_refused_by_name(build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "remote_ok")

    @machine.guard("remote_ok")
    async def remote_ok(ctx: Mapping[str, Any]) -> bool:
        return True

    with pytest.raises(FSMError, match=r"remote_ok.*aprocess") as caught:
        machine.process("a", "go", {})
    assert caught.value.code is ErrorCode.CONFIG


def test_async_guard_error_surfaces_from_aprocess(build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "broken")

    @machine.guard("broken")
    async def broken(ctx: Mapping[str, Any]) -> bool:
        raise RuntimeError("remote down")

    with pytest.raises(RuntimeError, match="remote down"):
        asyncio.run(machine.aprocess("a", "go", {}))


def test_a_sync_guard_error_propagates(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "broken")
    machine.guard_registry.register("broken", lambda ctx: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(machine, "a", "go")


def test_mixed_sync_and_async_guards_in_composites(build: Callable[..., StateMachine]) -> None:
    machine = _machine(
        build,
        {"allOf": ["sync_true", {"anyOf": ["async_false", {"not": "async_false"}]}, {"expr": "n > 1"}]},
    )
    machine.guard_registry.register("sync_true", lambda ctx: True)

    @machine.guard
    async def async_false(ctx: Mapping[str, Any]) -> bool:
        return False

    assert asyncio.run(machine.aprocess("a", "go", {"n": 2})).success
    rejected = asyncio.run(machine.aprocess("a", "go", {"n": 0}))
    assert not rejected.success
    assert rejected.metadata["guard_name"].startswith("allOf(")


@pytest.mark.parametrize(
    ("guard", "context", "passes"),
    [
        ({"expr": "fill_qty >= order_qty"}, {"fill_qty": 5, "order_qty": 5}, True),
        ({"expr": "fill_qty >= order_qty"}, {"fill_qty": 4, "order_qty": 5}, False),
        ({"expr": "fill_qty >= order_qty"}, {}, False),
        ({"check": {"field": "tier", "op": "eq", "value": "gold"}}, {"tier": "gold"}, True),
        ({"check": {"field": "tier", "op": "neq", "value": "gold"}}, {"tier": "gold"}, False),
        ({"check": {"field": "order.qty", "op": "gt", "value": 3}}, {"order": {"qty": 4}}, True),
        ({"check": {"field": "qty", "op": "gte", "value": 3}}, {"qty": 3}, True),
        ({"check": {"field": "qty", "op": "lt", "value": 3}}, {"qty": 3}, False),
        ({"check": {"field": "qty", "op": "lte", "value": 3}}, {}, False),
        ({"check": {"field": "side", "op": "in", "values": ["buy", "sell"]}}, {"side": "buy"}, True),
        ({"check": {"field": "side", "op": "not_in", "values": ["buy"]}}, {"side": "buy"}, False),
        ({"check": {"field": "id", "op": "is_set"}}, {"id": 0}, True),
        ({"check": {"field": "id", "op": "is_null"}}, {}, True),
        ({"allOf": [{"expr": "a"}, {"expr": "b"}]}, {"a": True, "b": False}, False),
        ({"anyOf": [{"expr": "a"}, {"expr": "b"}]}, {"a": False, "b": True}, True),
        ({"not": {"expr": "a"}}, {"a": False}, True),
    ],
)
def test_declarative_guards(
    run: Any, build: Callable[..., StateMachine], guard: Any, context: dict[str, Any], passes: bool
) -> None:
    assert run(_machine(build, guard), "a", "go", context).success is passes


def test_expr_guard_label_and_runtime_error(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, {"expr": "qty + 1 > 2"})
    rejected = run(machine, "a", "go", {"qty": 0})
    assert rejected.metadata["guard_name"] == "expr: qty + 1 > 2"
    broken = run(machine, "a", "go", {"qty": None})
    assert not broken.success
    assert broken.metadata["reason"] == "guard_error"
    assert isinstance(broken.error, ExpressionEvaluationError)
    assert broken.error.context["current_state"] == "a"


def test_an_invalid_expression_is_refused_at_load_time(build: Callable[..., StateMachine]) -> None:
    from pystator import ConfigurationError

    with pytest.raises(ConfigurationError, match=r"transitions\[0\]\.guards\[0\]"):
        _machine(build, {"expr": "__import__('os')"})


def test_bind_guards_and_registration_after_binding(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "later")
    guards = GuardRegistry()
    machine.bind_guards(guards)
    assert machine.guard_registry is guards
    guards.register("later", lambda ctx: True)
    assert run(machine, "a", "go").success


def test_bind_guards_carries_over_decorated_guards(run: Any, build: Callable[..., StateMachine]) -> None:
    machine = _machine(build, "decorated", "bound")

    @machine.guard()
    def decorated(ctx: Mapping[str, Any]) -> bool:
        return True

    guards = GuardRegistry()
    guards.register("bound", lambda ctx: True)
    machine.bind_guards(guards)
    assert set(guards.list_guards()) == {"bound", "decorated"}
    assert run(machine, "a", "go").success


def test_guard_decorator_forms(build: Callable[..., StateMachine]) -> None:
    machine = _machine(build)

    @machine.guard("named")
    def one(ctx: Mapping[str, Any]) -> bool:
        return True

    @machine.guard()
    def two(ctx: Mapping[str, Any]) -> bool:
        return True

    @machine.guard
    def three(ctx: Mapping[str, Any]) -> bool:
        return True

    assert set(machine.guard_registry.list_guards()) == {"named", "two", "three"}
    assert one({}) and two({}) and three({})


def test_machine_registries_can_be_given_at_construction(load: Callable[..., StateMachine]) -> None:
    guards = GuardRegistry()
    machine = load("order", guards=guards)
    assert machine.guard_registry is guards


def test_process_refusing_an_async_part_of_a_composite_leaves_no_coroutine_behind(
    build: Callable[..., StateMachine],
) -> None:
    import gc
    import warnings

    machine = _machine(build, {"not": {"anyOf": ["async_false"]}})

    @machine.guard
    async def async_false(ctx: Mapping[str, Any]) -> bool:
        return False

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(FSMError, match="aprocess"):
            machine.process("a", "go", {})
        gc.collect()


def test_memoised_results_follow_the_guards_on_every_call(
    run: Any, build: Callable[..., StateMachine]
) -> None:
    machine = build(
        [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "c"}, {"name": "d"}],
        [
            {"trigger": "go", "source": "a", "dest": "b", "guards": [{"expr": "x > 10"}]},
            {
                "trigger": "go",
                "source": "a",
                "dest": "c",
                "guards": [{"check": {"field": "x", "op": "gt", "value": 5}}],
            },
            {"trigger": "go", "source": "a", "dest": "d", "guards": ["registered"]},
        ],
    )
    machine.guard_registry.register("registered", lambda ctx: ctx.get("x", 0) > 0)
    expected = {20: "b", 7: "c", 1: "d", 0: None}
    for _ in range(3):
        for x, target in expected.items():
            result = run(machine, "a", "go", {"x": x})
            assert result.target_state == target
            assert result.success is (target is not None)
