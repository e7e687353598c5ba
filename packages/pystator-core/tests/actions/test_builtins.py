"""Built-in actions and ``builtin_registries()`` with pluggable event and metric sinks."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from pystator import ActionStatus, GuardRegistry
from pystator.actions import BUILTIN_ACTIONS, ActionExecutor, ActionRegistry, builtin_registries
from pystator.sinks import (
    EventSink,
    InMemoryEventSink,
    InMemoryMetricSink,
    LoggingEventSink,
    LoggingMetricSink,
    MetricSink,
)

NOW = datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_builtin_registries_holds_every_builtin() -> None:
    guards, actions = builtin_registries()
    assert isinstance(guards, GuardRegistry)
    assert isinstance(actions, ActionRegistry)
    assert sorted(actions.list_actions()) == sorted(BUILTIN_ACTIONS)
    assert len(BUILTIN_ACTIONS) == 9
    assert guards.evaluate("always", {}) is True
    assert guards.evaluate("never", {}) is False


def test_context_builtins(plan: Any) -> None:
    _, actions = builtin_registries(clock=lambda: NOW)
    result = plan(
        [
            {"name": "set_context", "params": {"status": "open", "meta.by": "api"}},
            {"name": "copy_key", "params": {"source": "meta.by", "target": "origin"}},
            {"name": "copy_key", "params": {"source": "absent", "target": "fallback", "default": 0}},
            {"name": "trace", "params": {"label": "opened {{ status }}"}},
            {"name": "snapshot"},
            {"name": "snapshot", "params": {"field": "_small", "keys": ["status"]}},
            {"name": "validate_keys", "params": {"keys": ["status", "origin"]}},
            "noop",
        ]
    )
    execution = ActionExecutor(actions).execute(result, {"id": 7})
    assert execution.all_succeeded, execution.errors
    ctx = execution.context
    assert ctx["status"] == "open"
    assert ctx["meta"] == {"by": "api"}
    assert (ctx["origin"], ctx["fallback"]) == ("api", 0)
    assert ctx["_trace"] == [{"label": "opened open", "at": NOW.isoformat()}]
    assert ctx["_snapshot"] == {
        "id": 7,
        "status": "open",
        "meta": {"by": "api"},
        "origin": "api",
        "fallback": 0,
    }
    assert ctx["_small"] == {"status": "open"}


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"name": "validate_keys", "params": {"keys": ["a", "b", "c"]}}, "missing from the context: b, c"),
        ({"name": "validate_keys", "params": {"keys": ["a", "n"], "allow_none": False}}, "n"),
        ({"name": "copy_key", "params": {"source": "zzz", "target": "y"}}, "'zzz' is not in the context"),
        ({"name": "log", "params": {"message": "x", "level": "loud"}}, "level 'loud'"),
        ({"name": "emit_metric", "params": {"name": "m", "value": "{{ a }}x"}}, "not a number"),
        ({"name": "emit_metric", "params": {"name": "m", "kind": "summary"}}, "kind 'summary'"),
    ],
)
def test_builtin_errors_are_clear(plan: Any, entry: dict[str, Any], message: str) -> None:
    outcome = ActionExecutor().execute(plan([entry]), {"a": 1, "n": None}).action_results[0]
    assert outcome.status is ActionStatus.FAILED
    assert message in str(outcome.error)


def test_log_renders_templates_and_keys(plan: Any, caplog: pytest.LogCaptureFixture) -> None:
    entry = {
        "name": "log",
        "params": {"message": "order {{ id }} filled", "level": "warning", "keys": ["qty"]},
    }
    with caplog.at_level(logging.WARNING, logger="pystator.actions.log"):
        execution = ActionExecutor().execute(plan([entry]), {"id": "A1", "qty": 5})
    assert execution.action_results[0].result == "order A1 filled qty=5"
    assert [r.getMessage() for r in caplog.records if r.name == "pystator.actions.log"] == [
        "order A1 filled qty=5"
    ]


def test_publish_and_emit_metric_reach_the_sinks(plan: Any) -> None:
    events, metrics = InMemoryEventSink(), InMemoryMetricSink()
    assert isinstance(events, EventSink)
    assert isinstance(metrics, MetricSink)
    executor = ActionExecutor(event_sink=events, metric_sink=metrics)
    result = plan(
        [
            {
                "name": "publish",
                "params": {"topic": "orders.{{ side }}", "payload": {"id": "{{ id }}"}, "keys": ["qty"]},
            },
            {
                "name": "emit_metric",
                "params": {"name": "fills", "value": "{{ qty }}", "tags": {"side": "{{ side }}"}},
            },
            {"name": "emit_metric", "params": {"name": "fills", "value": 2}},
            {"name": "emit_metric", "params": {"name": "depth", "value": 7, "kind": "gauge"}},
        ]
    )
    execution = executor.execute(result, {"id": 9, "qty": 3, "side": "buy"})
    assert execution.all_succeeded, execution.errors
    assert [(e.topic, e.payload) for e in events.events] == [("orders.buy", {"id": 9, "qty": 3})]
    assert events.by_topic("orders.sell") == []
    assert metrics.total("fills") == 5.0
    assert metrics.total("depth") == 0.0, "gauges are not summed"
    assert [(s.name, s.value, s.kind, s.tags) for s in metrics.samples][:2] == [
        ("fills", 3.0, "counter", {"side": "buy"}),
        ("fills", 2.0, "counter", {}),
    ]


def test_builtin_registries_take_the_sinks(plan: Any) -> None:
    events = InMemoryEventSink(maxlen=2)
    _, actions = builtin_registries(event_sink=events)
    for n in range(3):
        ActionExecutor(actions).execute(
            plan([{"name": "publish", "params": {"topic": "t", "payload": {"n": n}}}])
        )
    assert [e.payload["n"] for e in events.events] == [1, 2], "bounded sink keeps the newest"
    events.clear()
    assert events.events == []


def test_logging_sinks_write_json_lines(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        LoggingEventSink().publish("topic", {"a": 1})
        LoggingMetricSink().emit("m", 1.5, kind="histogram", tags={"k": "v"})
    lines = [json.loads(r.getMessage()) for r in caplog.records]
    assert lines == [
        {"topic": "topic", "payload": {"a": 1}},
        {"metric": "m", "value": 1.5, "kind": "histogram", "tags": {"k": "v"}},
    ]
