"""``EntitySession``: one entity's current state and context, and the events sent to it.

A session wraps a ``StateMachine`` (which holds no entity state) with the state and context of one
entity. ``send(trigger, **payload)`` processes the event from the current state with the payload
merged into the context, and on success commits the new state and context together: a failed send
changes nothing. Planned actions are run only with ``execute_actions=True`` (through an
``ActionExecutor`` over the machine's ``action_registry``; what declarative effects and actions
change in the context is kept).

Run-to-completion: an event sent while one is being processed (an action or hook calling
``session.send``) is queued and processed after the current one, in order. One session may be used
from several threads and tasks: changes are serialised by ``SessionLock``.
"""

from __future__ import annotations

import time
import uuid
import weakref
from collections import deque
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from pystator.engine.history import merge_history
from pystator.event import Event
from pystator.result import TransitionResult
from pystator.session.entry import initial_entry, resting_state
from pystator.session.locking import SessionLock
from pystator.session.members import session_class
from pystator.session.snapshot import build_snapshot, read_snapshot

if TYPE_CHECKING:
    from typing import Self

    from pystator.actions import ActionExecutor, ActionRegistry, ExecutionResult
    from pystator.destination import DestinationCheckResult
    from pystator.hooks import TransitionObserver
    from pystator.machine import StateMachine

__all__ = ["EntitySession"]

_ACTIVE: weakref.WeakKeyDictionary[StateMachine, dict[str, frozenset[str]]] = weakref.WeakKeyDictionary()
_ACTIVE_LIMIT = 4096
MAX_ROUTE_STEPS = 16
"""Routing steps one ``apply_data`` (or one send, with ``auto_route``) may take before it stops."""


class _Current(NamedTuple):
    """What a reader sees, swapped in one assignment so that state, context and version agree."""

    state: str
    context: dict[str, Any]
    version: int


class _Queued(NamedTuple):
    kind: Literal["event", "data"]
    trigger: str | Event
    payload: dict[str, Any]


class EntitySession:
    """The in-process object for one entity: ``machine.create(context=...)``, then ``send``.

    Besides the members documented here, each session has an ``is_<state>`` property per state and
    a ``<trigger>(**payload)`` method per trigger of its machine (see ``pystator.session.members``;
    ``session_stub_source(machine)`` writes a typed declaration of them for type checkers).
    """

    __slots__ = (
        "__weakref__",
        "_current",
        "_entity_id",
        "_execute_actions",
        "_executor",
        "_executors",
        "_history",
        "_initial",
        "_last_execution",
        "_lock",
        "_machine",
        "_observer",
        "_queue",
    )

    _entity_id: str
    _machine: StateMachine
    _current: _Current
    _execute_actions: bool
    _executor: ActionExecutor | None
    _executors: tuple[ActionRegistry, ActionExecutor] | None
    _observer: TransitionObserver | None
    _history: list[TransitionResult]
    _queue: deque[_Queued]
    _lock: SessionLock
    _last_execution: ExecutionResult | None
    _initial: TransitionResult | None

    def __new__(cls, machine: StateMachine, *args: Any, **kwargs: Any) -> Self:
        generated: type[Self] = session_class(machine, cls)
        return object.__new__(generated)

    def __init__(
        self,
        machine: StateMachine,
        *,
        entity_id: str | None = None,
        context: Mapping[str, Any] | None = None,
        initial_state: str | None = None,
        execute_actions: bool = False,
        observer: TransitionObserver | None = None,
        executor: ActionExecutor | None = None,
    ) -> None:
        """Start a session in ``initial_state`` (default: the machine's initial state), entered
        down to its leaf; its ``on_enter`` actions are planned (``initial_result``) and, with
        ``execute_actions``, run. ``entity_id`` defaults to a new uuid4 string."""
        self._setup(machine, entity_id, execute_actions, observer, executor)
        if context is not None and not isinstance(context, Mapping):
            raise TypeError(f"context: expected a mapping, got {type(context).__name__}")
        state = resting_state(machine, initial_state)
        start = dict(context or {})
        entry = initial_entry(machine, state)
        self._initial = entry
        if self._execute_actions and entry.all_action_specs:
            execution = self._executor_for().execute(entry, start)
            self._last_execution = execution
            start = execution.context
        self._current = _Current(state, start, 0)

    def _setup(
        self,
        machine: StateMachine,
        entity_id: str | None,
        execute_actions: bool,
        observer: TransitionObserver | None,
        executor: ActionExecutor | None,
    ) -> None:
        if entity_id is not None and (not isinstance(entity_id, str) or not entity_id):
            raise TypeError(f"entity_id: expected a non-empty string, got {entity_id!r}")
        self._machine = machine
        self._entity_id = entity_id if entity_id is not None else str(uuid.uuid4())
        self._execute_actions = bool(execute_actions) or executor is not None
        self._executor = executor
        self._executors = None
        self._observer = observer
        self._history = []
        self._queue = deque()
        self._lock = SessionLock()
        self._last_execution = None
        self._initial = None

    # ------------------------------------------------------------------ reading

    @property
    def entity_id(self) -> str:
        return self._entity_id

    @property
    def machine(self) -> StateMachine:
        return self._machine

    @property
    def current_state(self) -> str:
        """The stored form of the current configuration (a leaf name, or ``p[r1=a,r2=b]``)."""
        return self._current.state

    @property
    def context(self) -> dict[str, Any]:
        """The entity's context. Sends replace it with a new dict (never change it in place), so a
        reference you hold stays as it was; change it through ``send`` payloads or ``apply_data``."""
        return self._current.context

    @property
    def version(self) -> int:
        """How many changes were committed: one per applied transition and per ``apply_data``."""
        return self._current.version

    @property
    def history(self) -> list[TransitionResult]:
        """The TransitionResults applied so far, oldest first (failed sends and no-ops excluded)."""
        return list(self._history)

    @property
    def initial_result(self) -> TransitionResult | None:
        """The planned entry into the initial state (None for a session restored from a snapshot)."""
        return self._initial

    @property
    def last_execution(self) -> ExecutionResult | None:
        """With ``execute_actions``: the ``ExecutionResult`` of the last actions run."""
        return self._last_execution

    @property
    def execute_actions(self) -> bool:
        return self._execute_actions

    @property
    def observer(self) -> TransitionObserver | None:
        return self._observer

    @property
    def active_states(self) -> frozenset[str]:
        """Every active state: the leaves of the configuration and all their ancestors."""
        return _active_states(self._machine, self._current.state)

    def is_in(self, state: str) -> bool:
        """True while ``state`` is active (``is_<state>`` for any name)."""
        return state in _active_states(self._machine, self._current.state)

    @property
    def is_final(self) -> bool:
        """True when the entity rests in a terminal state."""
        return self._machine.is_terminal(self._current.state)

    @property
    def allowed_triggers(self) -> list[str]:
        """Triggers that would succeed now (guards evaluated on the context, nothing executed)."""
        current = self._current
        return self._machine.get_available_triggers(current.state, current.context)

    def evaluate_destination(
        self, destination: str, context_overrides: Mapping[str, Any] | None = None
    ) -> DestinationCheckResult:
        """Which triggers lead from the current state to ``destination``, with ``context_overrides``
        merged over the context for the check only (the session is unchanged)."""
        current = self._current
        context = {**current.context, **context_overrides} if context_overrides else current.context
        return self._machine.evaluate_destination(current.state, destination, context)

    def can_transition_to(self, destination: str, context_overrides: Mapping[str, Any] | None = None) -> bool:
        return self.evaluate_destination(destination, context_overrides).allowed

    async def aevaluate_destination(
        self, destination: str, context_overrides: Mapping[str, Any] | None = None
    ) -> DestinationCheckResult:
        """``evaluate_destination`` with async guards awaited."""
        current = self._current
        context = {**current.context, **context_overrides} if context_overrides else current.context
        return await self._machine.aevaluate_destination(current.state, destination, context)

    async def acan_transition_to(
        self, destination: str, context_overrides: Mapping[str, Any] | None = None
    ) -> bool:
        return (await self.aevaluate_destination(destination, context_overrides)).allowed

    def __repr__(self) -> str:
        current = self._current
        return (
            f"EntitySession(machine={self._machine.name!r}, entity_id={self.entity_id!r}, "
            f"state={current.state!r}, version={current.version})"
        )

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> dict[str, Any]:
        """A versioned, JSON-serialisable dict (see ``pystator.session.snapshot``)."""
        current = self._current
        return build_snapshot(self._machine, self.entity_id, current.state, current.version, current.context)

    @classmethod
    def from_snapshot(
        cls,
        machine: StateMachine,
        snapshot: Mapping[str, Any],
        *,
        execute_actions: bool = False,
        observer: TransitionObserver | None = None,
        executor: ActionExecutor | None = None,
    ) -> Self:
        """Restore a session from ``snapshot()`` output; nothing is entered or run. Raises
        ``SnapshotError`` for another machine (name or version), an unknown format version, or a
        state this machine does not have."""
        restored = read_snapshot(machine, snapshot)
        session = cls.__new__(cls, machine)
        session._setup(machine, restored.entity_id, execute_actions, observer, executor)
        session._current = _Current(restored.state, restored.context, restored.version)
        return session

    # ------------------------------------------------------------------ sending events

    def send(self, trigger: str | Event, /, **payload: Any) -> TransitionResult:
        """Process ``trigger`` (a name or an ``Event``) with ``payload`` merged into the context.

        Returns the engine's result: a failure is reported on it (``success`` False, ``error``,
        ``metadata["reason"]``) and leaves the session unchanged. Called from inside a send on this
        session (an action, a hook), the event is queued and processed when the current one is
        done; that call returns at once a result with ``metadata["queued"]`` True and no target.
        """
        item = _item("event", trigger, payload)
        lock = self._lock
        if lock.reentered:
            return self._enqueue(item)
        token = lock.acquire()
        try:
            result = self._event_sync(item)
            if self._queue:
                self._drain_sync()
        except BaseException:
            self._queue.clear()  # what the failed work queued dies with it
            raise
        finally:
            lock.release(token)
        return result

    async def asend(self, trigger: str | Event, /, **payload: Any) -> TransitionResult:
        """``send`` for async guards and actions (awaited); tasks sending to one session are
        served one at a time, in the order they acquire its lock."""
        item = _item("event", trigger, payload)
        if self._lock.reentered:
            return self._enqueue(item)
        async with self._lock.ahold():
            with self._queue_dropped_on_error():
                result = await self._event_async(item)
                await self._drain_async()
        return result

    def apply_data(self, data: Mapping[str, Any] | None = None, /, **fields: Any) -> list[TransitionResult]:
        """Merge ``data`` (and keyword ``fields``) into the context, then route: take enabled
        eventless (``auto``) transitions first, else move to the first state whose ``when``
        matches (or ``meta.classification.default_state``) through a transition whose guards pass,
        or directly (trigger ``"__route__"``); repeat until settled, at most ``MAX_ROUTE_STEPS``.
        Returns the TransitionResults applied (empty when nothing routes). A call made from inside
        a send on this session is queued like a re-entrant send (and returns an empty list)."""
        item = _item("data", "", _data(data, fields))
        if self._lock.reentered:
            self._enqueue(item)
            return []
        with self._lock.hold(), self._queue_dropped_on_error():
            results = self._data_sync(item)
            self._drain_sync()
        return results

    async def aapply_data(
        self, data: Mapping[str, Any] | None = None, /, **fields: Any
    ) -> list[TransitionResult]:
        """``apply_data`` for async guards and actions."""
        item = _item("data", "", _data(data, fields))
        if self._lock.reentered:
            self._enqueue(item)
            return []
        async with self._lock.ahold():
            with self._queue_dropped_on_error():
                results = await self._data_async(item)
                await self._drain_async()
        return results

    # ------------------------------------------------------------------ the algorithm

    @contextmanager
    def _queue_dropped_on_error(self) -> Iterator[None]:
        """Events queued by the work that raised are dropped with it, never run by a later send."""
        try:
            yield
        except BaseException:
            self._queue.clear()
            raise

    def _enqueue(self, item: _Queued) -> TransitionResult:
        self._queue.append(item)
        name = item.trigger.trigger if isinstance(item.trigger, Event) else item.trigger
        return TransitionResult(
            success=True,
            source_state=self._current.state,
            target_state=None,
            trigger=name,
            metadata={"queued": True, "reason": "queued"},
        )

    def _drain_sync(self) -> None:
        while self._queue:
            item = self._queue.popleft()
            if item.kind == "event":
                self._event_sync(item)
            else:
                self._data_sync(item)

    async def _drain_async(self) -> None:
        while self._queue:
            item = self._queue.popleft()
            if item.kind == "event":
                await self._event_async(item)
            else:
                await self._data_async(item)

    def _event_sync(self, item: _Queued) -> TransitionResult:
        state, context, name = self._inputs(item)
        machine, observer, trigger = self._machine, self._observer, item.trigger
        if observer is None or not observer.active:
            result = machine.process(state, trigger, context)
        else:
            result = observer.run(
                lambda: machine.process(state, trigger, context),
                entity_id=self.entity_id,
                current_state=state,
                trigger=name,
                context=context,
            )
        if result.success and not result.is_no_op:
            self._apply_sync(result, context)
            if machine.auto_route:
                self._route_sync()
        return result

    async def _event_async(self, item: _Queued) -> TransitionResult:
        state, context, name = self._inputs(item)
        machine, observer, trigger = self._machine, self._observer, item.trigger
        if observer is None or not observer.active:
            result = await machine.aprocess(state, trigger, context)
        else:
            result = await observer.arun(
                lambda: machine.aprocess(state, trigger, context),
                entity_id=self.entity_id,
                current_state=state,
                trigger=name,
                context=context,
            )
        if result.success and not result.is_no_op:
            await self._apply_async(result, context)
            if machine.auto_route:
                await self._route_async()
        return result

    def _inputs(self, item: _Queued) -> tuple[str, dict[str, Any], str]:
        current = self._current
        payload = item.payload
        trigger = item.trigger
        if isinstance(trigger, Event):
            payload = dict(trigger.payload)
            name = trigger.trigger
        else:
            name = trigger
        context = {**current.context, **payload} if payload else current.context
        return current.state, context, name

    def _apply_sync(self, result: TransitionResult, context: dict[str, Any]) -> None:
        after = merge_history(context, result) if result.history_updates else context
        execution = None
        if self._execute_actions and result.all_action_specs:
            execution = self._executor_for().execute(result, after)
            after = execution.context
        self._commit(result, after, execution)

    async def _apply_async(self, result: TransitionResult, context: dict[str, Any]) -> None:
        after = merge_history(context, result) if result.history_updates else context
        execution = None
        if self._execute_actions and result.all_action_specs:
            execution = await self._executor_for().async_execute(result, after)
            after = execution.context
        self._commit(result, after, execution)

    def _commit(
        self, result: TransitionResult, context: dict[str, Any], execution: ExecutionResult | None
    ) -> None:
        assert result.target_state is not None
        version = self._current.version + 1
        self._history.append(result)
        if execution is not None:
            self._last_execution = execution
        self._current = _Current(result.target_state, context, version)

    def _merge_data(self, item: _Queued) -> None:
        current = self._current
        if item.payload:
            self._current = _Current(current.state, {**current.context, **item.payload}, current.version + 1)

    def _data_sync(self, item: _Queued) -> list[TransitionResult]:
        self._merge_data(item)
        return self._route_sync()

    async def _data_async(self, item: _Queued) -> list[TransitionResult]:
        self._merge_data(item)
        return await self._route_async()

    def _route_sync(self) -> list[TransitionResult]:
        applied: list[TransitionResult] = []
        for _ in range(MAX_ROUTE_STEPS):
            current = self._current
            started = time.perf_counter()
            result = self._machine.route(current.state, current.context)
            if result is None or not self._routed(result, started, current.context):
                break
            self._apply_sync(result, current.context)
            applied.append(result)
        return applied

    async def _route_async(self) -> list[TransitionResult]:
        applied: list[TransitionResult] = []
        for _ in range(MAX_ROUTE_STEPS):
            current = self._current
            started = time.perf_counter()
            result = await self._machine.aroute(current.state, current.context)
            if result is None or not self._routed(result, started, current.context):
                break
            await self._apply_async(result, current.context)
            applied.append(result)
        return applied

    def _routed(self, result: TransitionResult, started: float, context: dict[str, Any]) -> bool:
        """Report a routing step to the observer; True when it is to be applied."""
        observer = self._observer
        if observer is not None and observer.active:
            observer.transition_complete(result, (time.perf_counter() - started) * 1000.0, context)
        return result.success and not result.is_no_op and result.target_state is not None

    def _executor_for(self) -> ActionExecutor:
        if self._executor is not None:
            return self._executor
        registry = self._machine.action_registry
        cached = self._executors
        if cached is None or cached[0] is not registry:
            from pystator.actions import ActionExecutor  # on first use: import pystator stays light

            cached = self._executors = (registry, ActionExecutor(registry))
        return cached[1]


def _item(kind: Literal["event", "data"], trigger: str | Event, payload: dict[str, Any]) -> _Queued:
    if type(trigger) is str:
        return _Queued(kind, trigger, payload)
    if kind == "event" and not isinstance(trigger, str | Event):
        raise TypeError(f"trigger: expected a trigger name or an Event, got {type(trigger).__name__}")
    if isinstance(trigger, Event) and payload:
        # Keyword payload joins the Event's own, so guards see it through ctx["_event"] too.
        return _Queued(kind, trigger.with_payload(**payload), {})
    return _Queued(kind, trigger, payload)


def _data(data: Mapping[str, Any] | None, fields: dict[str, Any]) -> dict[str, Any]:
    if data is None:
        return fields
    if not isinstance(data, Mapping):
        raise TypeError(f"data: expected a mapping, got {type(data).__name__}")
    return {**data, **fields}


def _active_states(machine: StateMachine, state: str) -> frozenset[str]:
    table = _ACTIVE.get(machine)
    if table is None:
        table = _ACTIVE.setdefault(machine, {})
    active = table.get(state)
    if active is None:
        if len(table) >= _ACTIVE_LIMIT:
            table.clear()
        active = table[state] = frozenset(machine.active_states(state))
    return active
