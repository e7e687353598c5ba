"""The values schedulers share: argument checks, TimerRef ids, handler names, retry policy."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from pystator import Event
from pystator.scheduler import (
    TIMER_METADATA_KEY,
    HandlerRegistry,
    RetryPolicy,
    ScheduledTask,
    TaskStatus,
    TimerRef,
    timer_task_id,
)
from pystator.scheduler.handlers import callable_name
from pystator.scheduler.timer_request import check_timer_request, decode_event, encode_event


def test_timer_request_normalises_through_json() -> None:
    request = check_timer_request(12.2, "e", "tick", {"pair": (1, 2), 3: "x"}, None)
    assert request.delay_ms == 13
    assert request.metadata == {"pair": [1, 2], "3": "x"}
    assert len(request.task_id) == 32
    assert check_timer_request(0, "e", "tick", None, "mine").task_id == "mine"


@pytest.mark.parametrize(
    ("args", "error", "field"),
    [
        ((True, "e", "t", None, None), TypeError, "delay_ms"),
        ((float("nan"), "e", "t", None, None), ValueError, "delay_ms"),
        ((10**20, "e", "t", None, None), ValueError, "delay_ms"),
        ((1, 7, "t", None, None), ValueError, "entity_id"),
        ((1, "e", "", None, None), TypeError, "event"),
        ((1, "e", "t", ["not", "a", "mapping"], None), TypeError, "metadata"),
        ((1, "e", "t", {"x": float("inf")}, None), ValueError, "metadata"),
        ((1, "e", "t", None, "x" * 600), ValueError, "task_id"),
        ((1, "e", Event("t", payload={"d": datetime.now(UTC)}), None, None), ValueError, "event"),
    ],
)
def test_timer_request_names_the_bad_argument(
    args: tuple[object, ...], error: type[Exception], field: str
) -> None:
    with pytest.raises(error, match=field):
        check_timer_request(*args)  # type: ignore[arg-type]


def test_events_round_trip_through_their_encoding() -> None:
    event = Event("tick", payload={"n": 1}, source="s", metadata={"m": True})
    assert decode_event(encode_event(event)) == event
    assert decode_event(encode_event("tick")) == "tick"


def test_timer_task_ids_are_deterministic_and_never_collide() -> None:
    assert timer_task_id("orders", "o-1", 3, "after_0") == "timer/orders/o-1/v3/after_0"
    assert timer_task_id("m", "a/v1", 2, "t") != timer_task_id("m", "a", 1, "v2/t")
    assert timer_task_id("m", "a%2F", 1, "t") != timer_task_id("m", "a/", 1, "t")


def test_timer_ref_round_trips_through_task_metadata() -> None:
    ref = TimerRef(
        machine="orders",
        entity_id="o-1",
        state="pending",
        state_version=4,
        timer_id="t0",
        trigger="expire",
        kind="timeout",
    )
    assert ref.task_id == timer_task_id("orders", "o-1", 4, "t0")
    metadata = {**ref.to_metadata(), "other": 1}
    now = datetime.now(UTC)
    task = ScheduledTask(
        task_id=ref.task_id,
        entity_id="o-1",
        event="expire",
        delay_ms=5,
        status=TaskStatus.FIRING,
        scheduled_at=now,
        fires_at=now,
        metadata=metadata,
    )
    assert TimerRef.from_task(task) == ref


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"machine": ""}, "machine"),
        ({"state_version": "3"}, "state_version"),
        ({"state_version": True}, "state_version"),
        ({"kind": "cron"}, "kind"),
    ],
)
def test_timer_ref_validates_its_fields(kwargs: dict[str, object], field: str) -> None:
    base: dict[str, object] = {
        "machine": "m",
        "entity_id": "e",
        "state": "s",
        "state_version": 1,
        "timer_id": "t",
        "trigger": "x",
    }
    with pytest.raises(ValueError, match=field):
        TimerRef(**{**base, **kwargs})  # type: ignore[arg-type]


def test_timer_ref_from_foreign_metadata_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match=TIMER_METADATA_KEY):
        TimerRef.from_metadata({})
    with pytest.raises(ValueError, match="unexpected keyword"):
        TimerRef.from_metadata({TIMER_METADATA_KEY: {"bogus": 1}})


def handler_a(task: ScheduledTask) -> None:
    pass


def test_handler_registry_names_callables_by_import_path() -> None:
    registry = HandlerRegistry()
    assert registry.name_for(handler_a) == f"{__name__}.handler_a"
    assert registry.name_for(handler_a) == f"{__name__}.handler_a"
    assert f"{__name__}.handler_a" in registry
    registry.register("explicit", handler_a)
    registry.register("explicit", handler_a)  # same pair again: fine
    assert registry.name_for("explicit") == "explicit"


def test_handler_registry_refuses_ambiguous_names() -> None:
    class Owner:
        def fire(self, task: ScheduledTask) -> None:
            pass

    first, second = Owner(), Owner()
    registry = HandlerRegistry()
    registry.name_for(first.fire)
    assert registry.name_for(first.fire) == callable_name(first.fire)
    with pytest.raises(ValueError, match="register_handler"):
        registry.name_for(second.fire)
    with pytest.raises(ValueError, match="already registered"):
        registry.register(callable_name(first.fire), second.fire)
    with pytest.raises(ValueError, match="handler name"):
        registry.register("", handler_a)
    with pytest.raises(TypeError, match="callable"):
        registry.register("x", 3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="no handler"):
        registry.name_for("unknown")


def test_retry_policy_backs_off_exponentially_up_to_a_cap() -> None:
    policy = RetryPolicy(max_attempts=5, backoff_ms=100, max_backoff_ms=500)
    assert [policy.delay_after(n) for n in range(1, 6)] == [100, 200, 400, 500, 500]
    assert not policy.gives_up_after(4)
    assert policy.gives_up_after(5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"max_attempts": 0}, "max_attempts"),
        ({"backoff_ms": -1}, "backoff_ms"),
        ({"max_backoff_ms": 1}, "max_backoff_ms"),
    ],
)
def test_retry_policy_validates(kwargs: dict[str, int], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        RetryPolicy(**kwargs)
