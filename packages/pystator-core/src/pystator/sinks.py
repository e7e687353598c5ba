"""Event and metric sinks: where the ``publish`` and ``emit_metric`` built-in actions send things.

A sink is anything with the protocol's method; PyStator ships in-memory sinks (tests, dashboards,
bounded by ``maxlen``) and logging sinks (the defaults). Write your own to reach a message bus or a
metrics system: ``builtin_registries(event_sink=MySink(), metric_sink=MyMetrics())``.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, runtime_checkable

__all__ = [
    "EventSink",
    "InMemoryEventSink",
    "InMemoryMetricSink",
    "LoggingEventSink",
    "LoggingMetricSink",
    "MetricKind",
    "MetricSample",
    "MetricSink",
    "PublishedEvent",
]

MetricKind = Literal["counter", "gauge", "histogram"]


@runtime_checkable
class EventSink(Protocol):
    """Receives events published by actions (``publish`` built-in)."""

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None: ...


@runtime_checkable
class MetricSink(Protocol):
    """Receives metric samples emitted by actions (``emit_metric`` built-in)."""

    def emit(
        self, name: str, value: float, *, kind: MetricKind = "counter", tags: Mapping[str, str] | None = None
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class PublishedEvent:
    topic: str
    payload: dict[str, Any]
    published_at: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass(frozen=True, slots=True)
class MetricSample:
    name: str
    value: float
    kind: MetricKind = "counter"
    tags: dict[str, str] = field(default_factory=dict)
    emitted_at: datetime = field(default_factory=lambda: datetime.now(UTC))


class InMemoryEventSink:
    """Keeps published events in memory (the newest ``maxlen`` when given); thread-safe."""

    def __init__(self, maxlen: int | None = None) -> None:
        self._events: deque[PublishedEvent] = deque(maxlen=maxlen)
        self._lock = threading.Lock()

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        with self._lock:
            self._events.append(PublishedEvent(topic, dict(payload)))

    @property
    def events(self) -> list[PublishedEvent]:
        with self._lock:
            return list(self._events)

    def by_topic(self, topic: str) -> list[PublishedEvent]:
        return [event for event in self.events if event.topic == topic]

    def clear(self) -> None:
        with self._lock:
            self._events.clear()


class InMemoryMetricSink:
    """Keeps samples in memory and running totals per counter name; thread-safe."""

    def __init__(self, maxlen: int | None = None) -> None:
        self._samples: deque[MetricSample] = deque(maxlen=maxlen)
        self._totals: dict[str, float] = {}
        self._lock = threading.Lock()

    def emit(
        self, name: str, value: float, *, kind: MetricKind = "counter", tags: Mapping[str, str] | None = None
    ) -> None:
        sample = MetricSample(name, float(value), kind, dict(tags or {}))
        with self._lock:
            self._samples.append(sample)
            if kind == "counter":
                self._totals[name] = self._totals.get(name, 0.0) + sample.value

    @property
    def samples(self) -> list[MetricSample]:
        with self._lock:
            return list(self._samples)

    def total(self, name: str) -> float:
        """The running sum of a counter (0.0 when never emitted)."""
        with self._lock:
            return self._totals.get(name, 0.0)

    def clear(self) -> None:
        with self._lock:
            self._samples.clear()
            self._totals.clear()


class LoggingEventSink:
    """Logs each event as one JSON line on ``pystator.events`` (or the logger given)."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("pystator.events")
        self.level = level

    def publish(self, topic: str, payload: Mapping[str, Any]) -> None:
        if self.logger.isEnabledFor(self.level):
            line = json.dumps({"topic": topic, "payload": dict(payload)}, default=str, sort_keys=True)
            self.logger.log(self.level, line)


class LoggingMetricSink:
    """Logs each sample as one JSON line on ``pystator.metrics`` (or the logger given)."""

    def __init__(self, logger: logging.Logger | None = None, level: int = logging.INFO) -> None:
        self.logger = logger or logging.getLogger("pystator.metrics")
        self.level = level

    def emit(
        self, name: str, value: float, *, kind: MetricKind = "counter", tags: Mapping[str, str] | None = None
    ) -> None:
        if self.logger.isEnabledFor(self.level):
            record = {"metric": name, "value": value, "kind": kind, "tags": dict(tags or {})}
            self.logger.log(self.level, json.dumps(record, default=str, sort_keys=True))
