"""Built-in actions usable from YAML by name, and ``builtin_registries()`` to bind them.

``noop``, ``log``, ``trace``, ``set_context``, ``snapshot``, ``copy_key``, ``validate_keys``,
``publish`` (to an ``EventSink``) and ``emit_metric`` (to a ``MetricSink``). Params from the entry
reach each one as keyword arguments. The ``ActionExecutor`` falls back to these when a name is not
in its own registry (``use_builtins=False`` turns that off).
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from datetime import UTC, datetime
from typing import Any, NamedTuple

from pystator.actions.paths import MISSING, get_path, set_path
from pystator.actions.registry import ActionRegistry
from pystator.actions.templates import as_text, render_template, render_value
from pystator.guards import GuardRegistry
from pystator.sinks import EventSink, LoggingEventSink, LoggingMetricSink, MetricSink

__all__ = ["BUILTIN_ACTIONS", "BUILTIN_GUARDS", "BuiltinRegistries", "builtin_registries"]

BUILTIN_ACTIONS = (
    "noop",
    "log",
    "trace",
    "set_context",
    "snapshot",
    "copy_key",
    "validate_keys",
    "publish",
    "emit_metric",
)
BUILTIN_GUARDS = ("always", "never")

Context = MutableMapping[str, Any]
_LEVELS = {"debug": logging.DEBUG, "info": logging.INFO, "warning": logging.WARNING, "error": logging.ERROR}
_log = logging.getLogger("pystator.actions.log")
_trace_log = logging.getLogger("pystator.actions.trace")


class BuiltinRegistries(NamedTuple):
    """A fresh guard registry and action registry holding the built-ins (unpacks as a pair)."""

    guards: GuardRegistry
    actions: ActionRegistry


def _names(keys: Any, action: str) -> list[str]:
    if keys is None:
        return []
    if isinstance(keys, str):
        return [keys]
    if isinstance(keys, Sequence) and all(isinstance(k, str) for k in keys):
        return list(keys)
    raise TypeError(f"{action}: 'keys' must be a name or a list of names, got {keys!r}")


def noop(ctx: Context, **params: Any) -> None:
    """Does nothing (a placeholder that keeps a plan readable)."""


def log(ctx: Context, message: str = "", level: str = "info", keys: Any = None) -> str:
    """Log ``message`` (``{{ name }}`` templates allowed) plus ``key=value`` for each of ``keys``."""
    numeric = _LEVELS.get(str(level).lower())
    if numeric is None:
        raise ValueError(f"log: level {level!r} is not one of {', '.join(_LEVELS)}")
    text = render_template(message, ctx)
    pairs = [f"{key}={as_text(get_path(ctx, key))}" for key in _names(keys, "log")]
    line = " ".join(part for part in (text, *pairs) if part)
    _log.log(numeric, line)
    return line


def set_context(ctx: Context, **values: Any) -> dict[str, Any]:
    """Assign each keyword (a dotted path) in the context."""
    for path, value in values.items():
        set_path(ctx, path, copy.deepcopy(value))
    return values


def snapshot(ctx: Context, field: str = "_snapshot", keys: Any = None) -> dict[str, Any]:
    """Store a deep copy of the context (or of ``keys``) under ``field``.

    Keys starting with ``_`` (``_event``, ``_trace``, earlier snapshots) are left out of a whole-
    context snapshot.
    """
    wanted = _names(keys, "snapshot")
    if wanted:
        taken = {
            key: copy.deepcopy(get_path(ctx, key)) for key in wanted if get_path(ctx, key) is not MISSING
        }
    else:
        taken = {key: copy.deepcopy(value) for key, value in ctx.items() if not key.startswith("_")}
    set_path(ctx, field, taken)
    return taken


def copy_key(ctx: Context, source: str, target: str, default: Any = MISSING) -> Any:
    """Copy the value at ``source`` to ``target`` (``default`` when the source is missing)."""
    value = get_path(ctx, source)
    if value is MISSING:
        if default is MISSING:
            raise KeyError(f"copy_key: {source!r} is not in the context (give 'default' to allow that)")
        value = default
    set_path(ctx, target, copy.deepcopy(value))
    return value


def validate_keys(ctx: Context, keys: Any, allow_none: bool = True) -> list[str]:
    """Fail listing every key of ``keys`` that is missing (or None when ``allow_none`` is false)."""
    wanted = _names(keys, "validate_keys")
    missing = [
        key
        for key in wanted
        if (value := get_path(ctx, key)) is MISSING or (value is None and not allow_none)
    ]
    if missing:
        raise ValueError(f"validate_keys: missing from the context: {', '.join(missing)}")
    return wanted


def _make_trace(now: Callable[[], datetime]) -> Callable[..., dict[str, Any]]:
    def trace(ctx: Context, label: str = "", field: str = "_trace") -> dict[str, Any]:
        """Append ``{label, at}`` to the list at ``field`` (a record of what ran, in order)."""
        entry = {"label": render_template(label, ctx), "at": now().isoformat()}
        current = get_path(ctx, field)
        items = list(current) if isinstance(current, list | tuple) else []
        items.append(entry)
        set_path(ctx, field, items)
        _trace_log.debug("trace %s", entry["label"])
        return entry

    return trace


def _make_publish(sink: EventSink) -> Callable[..., dict[str, Any]]:
    def publish(
        ctx: Context, topic: str, payload: Mapping[str, Any] | None = None, keys: Any = None
    ) -> dict[str, Any]:
        """Publish ``payload`` (templates filled) plus the context values of ``keys`` to the event sink."""
        message = dict(render_value(dict(payload or {}), ctx))
        for key in _names(keys, "publish"):
            value = get_path(ctx, key)
            message[key] = None if value is MISSING else value
        sink.publish(render_template(topic, ctx), message)
        return message

    return publish


def _make_emit_metric(sink: MetricSink) -> Callable[..., float]:
    def emit_metric(
        ctx: Context,
        name: str,
        value: Any = 1,
        kind: str = "counter",
        tags: Mapping[str, Any] | None = None,
    ) -> float:
        """Send one sample to the metric sink; ``value`` and ``tags`` may use templates."""
        if kind not in ("counter", "gauge", "histogram"):
            raise ValueError(f"emit_metric: kind {kind!r} is not one of counter, gauge, histogram")
        rendered = render_value(value, ctx)
        try:
            number = float(rendered)
        except (TypeError, ValueError):
            raise ValueError(f"emit_metric: value {rendered!r} is not a number") from None
        rendered_tags = {str(k): as_text(render_value(v, ctx)) for k, v in (tags or {}).items()}
        sink.emit(name, number, kind=kind, tags=rendered_tags)  # type: ignore[arg-type]
        return number

    return emit_metric


def _utc_now() -> datetime:
    return datetime.now(UTC)


def builtin_registries(
    *,
    event_sink: EventSink | None = None,
    metric_sink: MetricSink | None = None,
    clock: Callable[[], datetime] | None = None,
) -> BuiltinRegistries:
    """Fresh registries with every built-in; sinks default to logging sinks, the clock to UTC now."""
    now = clock or _utc_now
    actions = ActionRegistry()
    actions.register("noop", noop)
    actions.register("log", log)
    actions.register("trace", _make_trace(now))
    actions.register("set_context", set_context)
    actions.register("snapshot", snapshot)
    actions.register("copy_key", copy_key)
    actions.register("validate_keys", validate_keys)
    actions.register("publish", _make_publish(event_sink or LoggingEventSink()))
    actions.register("emit_metric", _make_emit_metric(metric_sink or LoggingMetricSink()))
    guards = GuardRegistry()
    guards.register("always", lambda ctx: True)
    guards.register("never", lambda ctx: False)
    return BuiltinRegistries(guards=guards, actions=actions)
