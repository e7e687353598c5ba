"""The conformance suite every state store passes unchanged (needs pytest and hypothesis).

Subclass ``StoreConformance`` (a store living in one process) or ``DurableStoreConformance`` (a store
whose data outlives the process and is shared between processes) in a test module, and provide the
fixtures they name::

    class TestMyStore(DurableStoreConformance):
        @pytest.fixture
        def store(self) -> Iterator[MyStore]:
            store = MyStore(...)
            yield store
            store.close()

        @pytest.fixture
        def store_opener(self) -> Callable[[], MyStore]:
            return functools.partial(MyStore, ...)  # picklable: it runs in other processes

        def corrupt_entity(self, store: MyStore, entity_id: str) -> None:
            ...  # make the stored context of entity_id unreadable, behind the store's back

The tests use fresh entity ids and machine names, so ``store`` may share a database with other tests.
Every behaviour test runs twice: through the sync methods and through their async twins. The durable
suite runs its 16 concurrent writers in separate processes (each builds its store with
``store_opener``) and kills a process between persist and actions to recover from another one.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import threading
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pystator.actions.result import ActionStatus
from pystator.errors import (
    EntityNotFoundError,
    ErrorCode,
    StaleVersionError,
    StoreError,
    UndefinedStateError,
)
from pystator.stores.checks import check_stored_state
from pystator.stores.codec import context_changes
from pystator.stores.protocols import (
    AsyncAuditStore,
    AsyncBatchStateStore,
    AsyncContextStore,
    AsyncQueryableStateStore,
    AsyncStateStore,
    AsyncTransactionalStateStore,
    AsyncVersionedStateStore,
    AuditStore,
    BatchStateStore,
    ContextStore,
    FullStateStore,
    QueryableStateStore,
    StateStore,
    TransactionalStateStore,
    VersionedStateStore,
)
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityRecord,
    PlannedAction,
    TransitionCommit,
)

__all__ = ["DurableStoreConformance", "StoreConformance", "StoreOpener"]

StoreOpener = Callable[[], Any]

WRITERS = 16
INCREMENTS_PER_WRITER = 20
PROCESS_TIMEOUT_S = 120.0
T0 = datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC)


class _Api:
    """The store seen through its sync methods or through their async twins, always awaited."""

    def __init__(self, store: Any, mode: str) -> None:
        self.store = store
        self.mode = mode

    def __getattr__(self, name: str) -> Callable[..., Awaitable[Any]]:
        if self.mode == "sync":
            sync_fn = getattr(self.store, name)

            async def call_sync(*args: Any, **kwargs: Any) -> Any:
                return sync_fn(*args, **kwargs)

            return call_sync
        async_fn = getattr(self.store, "a" + name)

        async def call_async(*args: Any, **kwargs: Any) -> Any:
            return await async_fn(*args, **kwargs)

        return call_async


def _commit(
    entity_id: str,
    machine: str,
    expected: int | None,
    to_state: str,
    *,
    from_state: str | None = None,
    trigger: str = "go",
    context: Mapping[str, Any] | None = None,
    **extra: Any,
) -> TransitionCommit:
    return TransitionCommit(
        entity_id=entity_id,
        machine=machine,
        expected_version=expected,
        from_state=from_state,
        to_state=to_state,
        trigger=trigger,
        context=dict(context or {}),
        **extra,
    )


def _increment(store: Any, entity_id: str, machine: str) -> int:
    """Add one to the entity's counter with a compare-and-set, retrying on conflicts; returns retries."""
    retries = 0
    while True:
        record = store.load_entity(entity_id)
        count = int(record.context["count"])
        try:
            store.commit_transition(
                _commit(
                    entity_id,
                    machine,
                    record.version,
                    "counting",
                    from_state=record.state,
                    trigger="increment",
                    context={"count": count + 1},
                    context_changes={"count": {"before": count, "after": count + 1}},
                )
            )
            return retries
        except StaleVersionError:
            retries += 1


def _writer_process(opener: StoreOpener, entity_id: str, machine: str, barrier: Any, results: Any) -> None:
    store = opener()
    try:
        barrier.wait(timeout=PROCESS_TIMEOUT_S)
        retries = sum(_increment(store, entity_id, machine) for _ in range(INCREMENTS_PER_WRITER))
        results.put(("ok", INCREMENTS_PER_WRITER, retries))
    except BaseException as exc:
        results.put(("error", repr(exc), 0))
    finally:
        store.close()


def _commit_then_crash(opener: StoreOpener, commit: TransitionCommit) -> None:
    """Persist a transition with actions, then die the hard way before running any of them."""
    store = opener()
    store.commit_transition(commit)
    os._exit(17)


_OPERATIONS = st.tuples(
    st.sampled_from(["commit", "stale_commit", "keyed_commit", "mark", "set_state", "set_context"]),
    st.integers(min_value=0, max_value=3),
    st.sampled_from(["a", "b", "c"]),
)


class _Model:
    """The reference: what one entity's state, version, context and history must be."""

    def __init__(self, entity_id: str, machine: str) -> None:
        self.entity_id = entity_id
        self.machine = machine
        self.state: str | None = None
        self.version = 0
        self.context: dict[str, Any] = {}
        self.history: list[tuple[int, str]] = []  # (version, to_state) of committed transitions
        self.keys: dict[str, int] = {}
        self.pending: set[int] = set()

    def apply(self, store: Any, kind: str, number: int, text: str) -> None:
        eid = self.entity_id
        if kind == "set_state":
            store.set_state(eid, text)
            self.state, self.version = text, self.version + 1
        elif kind == "set_context":
            if self.version == 0:
                with pytest.raises(EntityNotFoundError):
                    store.set_context(eid, {"n": number})
            else:
                store.set_context(eid, {"n": number})
                self.context = {"n": number}
        elif kind == "mark":
            self._mark(store, number)
        else:
            self._commit(store, kind, number, text)

    def _commit(self, store: Any, kind: str, number: int, text: str) -> None:
        key = f"k{number}" if kind == "keyed_commit" else None
        expected = self.version + 1 + number if kind == "stale_commit" else self.version
        actions = (PlannedAction("act", {"n": number}),) if number % 2 else ()
        commit = _commit(
            self.entity_id,
            self.machine,
            expected,
            text,
            from_state=self.state,
            context={"n": number, "s": text},
            idempotency_key=key,
            actions=actions,
        )
        if key is not None and key in self.keys:
            result = store.commit_transition(commit)
            assert result.duplicate
            assert result.transition.version == self.keys[key]
            return
        if kind == "stale_commit":
            with pytest.raises(StaleVersionError):
                store.commit_transition(commit)
            return
        result = store.commit_transition(commit)
        assert not result.duplicate
        self.version += 1
        assert result.transition.version == self.version
        self.state, self.context = text, {"n": number, "s": text}
        self.history.append((self.version, text))
        if key is not None:
            self.keys[key] = self.version
        if actions:
            self.pending.add(self.version)

    def _mark(self, store: Any, number: int) -> None:
        if not self.history:
            with pytest.raises(StoreError):
                store.mark_actions(self.entity_id, 1, [])
            return
        version = self.history[number % len(self.history)][0]
        store.mark_actions(self.entity_id, version, [ActionOutcome("act", ActionStatus.SUCCESS)])
        self.pending.discard(version)

    def check(self, store: Any) -> None:
        record = store.load_entity(self.entity_id)
        if self.version == 0:
            assert record is None
            return
        assert (record.state, record.version, record.context) == (self.state, self.version, self.context)
        history = store.history(self.entity_id, limit=1000)
        assert [(t.version, t.to_state) for t in history] == self.history
        pending = store.pending_action_records(machine=self.machine, limit=1000)
        assert {t.version for t in pending if t.entity_id == self.entity_id} == self.pending


async def _resume_pending(
    store: Any, machine: str, expected: list[tuple[str, int, tuple[PlannedAction, ...]]]
) -> None:
    """What recovery does: find the records with pending actions, run them, record the outcomes."""
    pending = await store.apending_action_records(machine=machine)
    assert [(p.entity_id, p.version, p.actions) for p in pending] == expected
    for record in pending:
        keys = [record.action_key(i) for i in range(len(record.actions))]
        assert keys == [f"{machine}:{record.entity_id}:{record.version}:{i}" for i in range(len(keys))]
        outcomes = [ActionOutcome(a.name, ActionStatus.SUCCESS) for a in record.actions]
        resumed = store.mark_actions(record.entity_id, record.version, outcomes)
        assert resumed.actions_status is ActionsStatus.DONE
        assert resumed.action_outcomes == tuple(outcomes)
    assert store.pending_action_records(machine=machine) == []


class StoreConformance:
    """Behaviour every store must show. Subclass it; see the module docstring for the fixtures."""

    # ------------------------------------------------------------------ fixtures and hooks

    @pytest.fixture
    def store(self) -> Any:
        raise NotImplementedError("a StoreConformance subclass must provide the 'store' fixture")

    def corrupt_entity(self, store: Any, entity_id: str) -> None:
        """Make the stored context of ``entity_id`` unreadable (not JSON), bypassing the store's API."""
        raise NotImplementedError("a StoreConformance subclass must implement corrupt_entity()")

    @pytest.fixture(params=["sync", "async"])
    def api(self, request: pytest.FixtureRequest, store: Any) -> _Api:
        return _Api(store, str(request.param))

    @pytest.fixture
    def machine(self) -> str:
        return f"m_{uuid.uuid4().hex[:12]}"

    @staticmethod
    def new_id(label: str = "e") -> str:
        return f"{label}-{uuid.uuid4().hex[:12]}"

    # ------------------------------------------------------------------ protocols

    def test_implements_every_protocol(self, store: Any) -> None:
        for protocol in (
            StateStore,
            AsyncStateStore,
            ContextStore,
            AsyncContextStore,
            VersionedStateStore,
            AsyncVersionedStateStore,
            BatchStateStore,
            AsyncBatchStateStore,
            QueryableStateStore,
            AsyncQueryableStateStore,
            AuditStore,
            AsyncAuditStore,
            TransactionalStateStore,
            AsyncTransactionalStateStore,
            FullStateStore,
        ):
            assert isinstance(store, protocol), protocol.__name__

    # ------------------------------------------------------------------ unknown entities

    async def test_unknown_entity_reads_as_absent(self, api: _Api) -> None:
        eid = self.new_id()
        assert await api.load_entity(eid) is None
        assert await api.get_state(eid) is None
        assert await api.get_context(eid) == {}
        assert await api.get_state_versioned(eid) == (None, 0)
        assert await api.history(eid) == []
        assert await api.get_transition(eid, 1) is None
        assert await api.get_states([eid]) == {}
        assert await api.load_entities([eid]) == {}

    async def test_unknown_entity_writes_are_refused_and_create_nothing(self, api: _Api) -> None:
        eid = self.new_id()
        with pytest.raises(EntityNotFoundError) as not_found:
            await api.set_context(eid, {"a": 1})
        assert not_found.value.entity_id == eid
        with pytest.raises(StoreError) as no_row:
            await api.mark_actions(eid, 1, [])
        assert no_row.value.code is ErrorCode.NOT_FOUND
        with pytest.raises(StaleVersionError) as stale:
            await api.commit_transition(_commit(eid, "m", 3, "a"))
        assert (stale.value.expected_version, stale.value.actual_version) == (3, 0)
        assert await api.load_entity(eid) is None

    # ------------------------------------------------------------------ commits

    async def test_create_then_load_round_trips_json_values(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        context = {
            "qty": 3,
            "price": 10.25,
            "big": 2**53 + 1,
            "ok": True,
            "none": None,
            "text": "ünïcødé \u2713 'quoted' \"double\"",
            "nested": {"list": [1, "two", {"three": [3.5, False]}], "empty": {}},
        }
        result: CommitResult = await api.commit_transition(
            _commit(eid, machine, None, "pending", trigger="create", context=context, metadata={"by": "t"})
        )
        assert not result.duplicate
        assert (result.entity.state, result.entity.version, result.entity.machine) == ("pending", 1, machine)
        loaded = await api.load_entity(eid)
        assert isinstance(loaded, EntityRecord)
        assert (loaded.entity_id, loaded.machine, loaded.state, loaded.version) == (
            eid,
            machine,
            "pending",
            1,
        )
        assert loaded.context == context
        assert loaded.metadata == {"by": "t"}
        assert loaded.updated_at.tzinfo is not None
        assert loaded == result.entity
        assert await api.get_state(eid) == "pending"
        assert await api.get_context(eid) == context
        assert await api.get_state_versioned(eid) == ("pending", 1)

    async def test_values_read_back_are_copies(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        context: dict[str, Any] = {"items": [1, 2]}
        await api.commit_transition(_commit(eid, machine, None, "a", context=context))
        context["items"].append(3)
        loaded = await api.load_entity(eid)
        loaded.context["items"].append(99)
        fetched = await api.get_context(eid)
        fetched["items"].append(100)
        assert (await api.load_entity(eid)).context == {"items": [1, 2]}

    async def test_each_commit_bumps_the_version_and_appends_history(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        states = ["s1", "s2", "s3", "s4", "s5"]
        previous: str | None = None
        for version, state in enumerate(states):
            result = await api.commit_transition(
                _commit(eid, machine, version, state, from_state=previous, context={"n": version})
            )
            assert result.entity.version == version + 1
            assert result.transition.version == version + 1
            previous = state
        history = await api.history(eid)
        assert [t.version for t in history] == [1, 2, 3, 4, 5]
        assert [(t.from_state, t.to_state) for t in history] == [
            (None, "s1"),
            ("s1", "s2"),
            ("s2", "s3"),
            ("s3", "s4"),
            ("s4", "s5"),
        ]
        assert [t.version for t in await api.history(eid, after_version=2, limit=2)] == [3, 4]
        assert [t.version for t in await api.history(eid, after_version=4)] == [5]
        assert (await api.get_transition(eid, 3)).to_state == "s3"

    async def test_stale_version_is_refused_and_writes_nothing(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "a", context={"x": 1}))
        await api.commit_transition(_commit(eid, machine, 1, "b", from_state="a", context={"x": 2}))
        before = await api.load_entity(eid)
        with pytest.raises(StaleVersionError) as stale:
            await api.commit_transition(_commit(eid, machine, 1, "c", from_state="a", context={"x": 3}))
        assert stale.value.entity_id == eid
        assert stale.value.expected_version == 1
        assert stale.value.actual_version in (2, None)
        assert stale.value.code is ErrorCode.STALE_VERSION
        assert await api.load_entity(eid) == before
        assert len(await api.history(eid)) == 2

    @pytest.mark.parametrize("create_marker", [None, 0])
    async def test_creating_an_existing_entity_is_refused(
        self, api: _Api, machine: str, create_marker: int | None
    ) -> None:
        eid = self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "a", context={"x": 1}))
        with pytest.raises(StaleVersionError) as stale:
            await api.commit_transition(_commit(eid, machine, create_marker, "b", context={"x": 2}))
        assert (stale.value.expected_version, stale.value.actual_version) == (0, 1)
        loaded = await api.load_entity(eid)
        assert (loaded.state, loaded.version, loaded.context) == ("a", 1, {"x": 1})

    async def test_an_entity_of_another_machine_is_refused(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "a"))
        with pytest.raises(StoreError) as conflict:
            await api.commit_transition(_commit(eid, machine + "_other", 1, "b", from_state="a"))
        assert conflict.value.code is ErrorCode.CONFLICT
        assert conflict.value.context["stored_machine"] == machine
        loaded = await api.load_entity(eid)
        assert (loaded.machine, loaded.state, loaded.version) == (machine, "a", 1)

    async def test_a_repeated_idempotency_key_returns_the_first_outcome(
        self, api: _Api, machine: str
    ) -> None:
        eid = self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "a"))
        first = await api.commit_transition(
            _commit(eid, machine, 1, "b", from_state="a", idempotency_key="evt-1", context={"v": 1})
        )
        assert not first.duplicate
        for expected in (1, 2, 7):  # the same key again, with any version: never applied twice
            again = await api.commit_transition(
                _commit(
                    eid, machine, expected, "c", from_state="b", idempotency_key="evt-1", context={"v": 2}
                )
            )
            assert again.duplicate
            assert again.transition == first.transition
            assert (again.entity.version, again.entity.state) == (2, "b")
        assert len(await api.history(eid)) == 2
        other = self.new_id()
        applied = await api.commit_transition(_commit(other, machine, None, "a", idempotency_key="evt-1"))
        assert not applied.duplicate

    async def test_the_history_row_keeps_everything_the_commit_said(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        before = {"qty": 1, "gone": True}
        after = {"qty": 2, "new": "yes"}
        await api.commit_transition(_commit(eid, machine, None, "open", context=before))
        actions = (
            PlannedAction("notify", {"channel": "ops"}, phase="exit", state="open"),
            PlannedAction("charge", {"amount": 12.5}),
            PlannedAction("set", kind="effect", phase="enter", state="filled", definition={"set": {"a": 1}}),
        )
        result = await api.commit_transition(
            _commit(
                eid,
                machine,
                1,
                "filled",
                from_state="open",
                trigger="fill",
                context=after,
                context_changes=context_changes(before, after),
                event_id="4b0f6a8e-0000-4000-8000-000000000001",
                idempotency_key="fill-1",
                actions=actions,
                metadata={"source": "test"},
                timestamp=T0,
            )
        )
        stored = await api.get_transition(eid, 2)
        assert stored == result.transition
        assert (stored.entity_id, stored.machine, stored.version) == (eid, machine, 2)
        assert (stored.from_state, stored.to_state, stored.trigger) == ("open", "filled", "fill")
        assert stored.event_id == "4b0f6a8e-0000-4000-8000-000000000001"
        assert stored.idempotency_key == "fill-1"
        assert stored.timestamp == T0
        assert stored.context_changes == {
            "qty": {"before": 1, "after": 2},
            "gone": {"before": True},
            "new": {"after": "yes"},
        }
        assert stored.actions == actions
        assert stored.actions_status is ActionsStatus.PENDING
        assert stored.action_outcomes == ()
        assert stored.metadata == {"source": "test"}
        assert stored.action_key(1) == f"{machine}:{eid}:2:1"
        assert (await api.load_entity(eid)).updated_at == T0
        created = await api.get_transition(eid, 1)
        assert created.actions_status is ActionsStatus.DONE

    # ------------------------------------------------------------------ actions and recovery

    async def test_mark_actions_records_outcomes(self, api: _Api, machine: str) -> None:
        ok, bad = self.new_id(), self.new_id()
        two = (PlannedAction("a1"), PlannedAction("a2"))
        for eid in (ok, bad):
            await api.commit_transition(_commit(eid, machine, None, "s", actions=two))
        done = await api.mark_actions(
            ok,
            1,
            [
                ActionOutcome("a1", ActionStatus.SUCCESS, duration_ms=1.5),
                ActionOutcome("a2", ActionStatus.SKIPPED, error="not registered"),
            ],
        )
        assert done.actions_status is ActionsStatus.DONE
        failed = await api.mark_actions(
            bad,
            1,
            [
                ActionOutcome("a1", ActionStatus.SUCCESS),
                ActionOutcome("a2", ActionStatus.FAILED, error="RuntimeError: boom", attempts=3),
            ],
        )
        assert failed.actions_status is ActionsStatus.FAILED
        stored = await api.get_transition(bad, 1)
        assert stored.action_outcomes == failed.action_outcomes
        assert stored.action_outcomes[1] == ActionOutcome("a2", ActionStatus.FAILED, "RuntimeError: boom", 3)
        assert stored.actions == two
        assert await api.pending_action_records(machine=machine) == []
        with pytest.raises(StoreError) as missing:
            await api.mark_actions(ok, 9, [])
        assert missing.value.code is ErrorCode.NOT_FOUND

    async def test_pending_action_records_filter_and_order(self, api: _Api, machine: str) -> None:
        other_machine = machine + "_b"
        ids = [self.new_id() for _ in range(4)]
        act = (PlannedAction("notify"),)
        # committed out of time order, to see that the oldest comes first
        for eid, minutes in zip(ids, (3, 1, 2, 0)):
            await api.commit_transition(
                _commit(eid, machine, None, "s", actions=act, timestamp=T0 + timedelta(minutes=minutes))
            )
        await api.commit_transition(
            _commit(self.new_id(), other_machine, None, "s", actions=act, timestamp=T0)
        )
        await api.commit_transition(_commit(self.new_id(), machine, None, "s", timestamp=T0))  # no actions
        pending = await api.pending_action_records(machine=machine)
        assert [p.entity_id for p in pending] == [ids[3], ids[1], ids[2], ids[0]]
        assert all(p.actions_pending and p.actions == act for p in pending)
        limited = await api.pending_action_records(machine=machine, limit=2)
        assert [p.entity_id for p in limited] == [ids[3], ids[1]]
        older = await api.pending_action_records(machine=machine, before=T0 + timedelta(minutes=2))
        assert [p.entity_id for p in older] == [ids[3], ids[1]]
        everywhere = await api.pending_action_records(limit=10_000)
        assert {p.machine for p in everywhere} >= {machine, other_machine}
        await api.mark_actions(ids[1], 1, [ActionOutcome("notify", ActionStatus.SUCCESS)])
        assert [p.entity_id for p in await api.pending_action_records(machine=machine)] == [
            ids[3],
            ids[2],
            ids[0],
        ]

    async def test_a_crash_between_persist_and_actions_can_be_resumed(self, store: Any, machine: str) -> None:
        eid = self.new_id()
        actions = (PlannedAction("reserve", {"sku": "x"}), PlannedAction("email"))
        store.commit_transition(_commit(eid, machine, None, "new"))
        store.commit_transition(
            _commit(eid, machine, 1, "paid", from_state="new", trigger="pay", actions=actions)
        )
        # The caller fails here, before any action ran; recovery finds the record and resumes it.
        await _resume_pending(store, machine, [(eid, 2, actions)])

    # ------------------------------------------------------------------ the plain (compat) methods

    async def test_plain_state_and_context_methods(self, api: _Api) -> None:
        eid = self.new_id()
        assert await api.set_state(eid, "pending", metadata={"note": "created"}) is None
        assert await api.get_state(eid) == "pending"
        assert await api.get_context(eid) == {}
        assert await api.get_state_versioned(eid) == ("pending", 1)
        await api.set_context(eid, {"qty": 5})
        assert await api.get_context(eid) == {"qty": 5}
        assert await api.get_state_versioned(eid) == ("pending", 1)  # context writes keep the version
        await api.set_state(eid, "open")
        assert await api.get_state_versioned(eid) == ("open", 2)
        record = await api.load_entity(eid)
        assert (record.machine, record.context) == ("", {"qty": 5})
        with pytest.raises(StoreError) as bad_json:
            await api.set_context(eid, {"qty": object()})
        assert "context['qty']" in str(bad_json.value)
        assert await api.get_context(eid) == {"qty": 5}

    async def test_versioned_methods(self, api: _Api) -> None:
        eid = self.new_id()
        assert await api.get_state_versioned(eid) == (None, 0)
        assert await api.set_state_versioned(eid, "a", expected_version=0) == 1
        assert await api.set_state_versioned(eid, "b", expected_version=1, metadata={"k": 1}) == 2
        with pytest.raises(StaleVersionError) as stale:
            await api.set_state_versioned(eid, "c", expected_version=1)
        assert (stale.value.expected_version, stale.value.actual_version) == (1, 2)
        with pytest.raises(StaleVersionError):
            await api.set_state_versioned(eid, "c", expected_version=0)
        assert await api.get_state_versioned(eid) == ("b", 2)
        assert await api.set_state_versioned(eid, "c") == 3
        assert (await api.load_entity(eid)).metadata == {}

    async def test_a_commit_claims_an_entity_written_without_a_machine(self, api: _Api, machine: str) -> None:
        eid = self.new_id()
        await api.set_state(eid, "a")
        result = await api.commit_transition(_commit(eid, machine, 1, "b", from_state="a"))
        assert (result.entity.machine, result.entity.version) == (machine, 2)
        page = await api.list_entities(machine)
        assert [r.entity_id for r in page.items] == [eid]
        assert await api.count_by_state(machine) == {"b": 1}

    # ------------------------------------------------------------------ batch and queries

    async def test_batch_methods(self, api: _Api) -> None:
        a, b, missing = self.new_id("a"), self.new_id("b"), self.new_id("x")
        assert await api.set_states({a: "one", b: "two"}) == {a: 1, b: 1}
        assert await api.set_states({a: "three"}, metadata={"bulk": True}) == {a: 2}
        assert await api.get_states([a, b, missing]) == {a: "three", b: "two"}
        loaded = await api.load_entities([a, b, missing])
        assert {k: (v.state, v.version) for k, v in loaded.items()} == {a: ("three", 2), b: ("two", 1)}
        assert loaded[a].metadata == {"bulk": True}
        with pytest.raises(ValueError, match="state"):
            await api.set_states({a: "four", b: ""})
        assert await api.get_states([a, b]) == {a: "three", b: "two"}

    async def test_queries_page_by_machine_and_state(self, api: _Api, machine: str) -> None:
        ids = sorted(f"q{i}-{uuid.uuid4().hex[:6]}" for i in range(7))
        for index, eid in enumerate(ids):
            await api.commit_transition(_commit(eid, machine, None, "a" if index % 2 == 0 else "b"))
        await api.commit_transition(_commit(self.new_id(), machine + "_other", None, "a"))
        first = await api.list_entities(machine, limit=3)
        assert [r.entity_id for r in first.items] == ids[:3]
        assert first.next_after == ids[2]
        second = await api.list_entities(machine, limit=3, after=first.next_after)
        third = await api.list_entities(machine, limit=3, after=second.next_after)
        assert [r.entity_id for r in second.items + third.items] == ids[3:]
        assert third.next_after is None
        in_a = await api.list_entities(machine, state="a")
        assert [r.entity_id for r in in_a.items] == ids[0::2]
        assert all(r.state == "a" and r.machine == machine for r in in_a.items)
        assert await api.count_by_state(machine) == {"a": 4, "b": 3}
        await api.commit_transition(_commit(ids[0], machine, 1, "b", from_state="a"))
        assert await api.count_by_state(machine) == {"a": 3, "b": 4}
        assert await api.count_by_state(machine + "_none") == {}
        assert (await api.list_entities(machine + "_none")).items == ()

    # ------------------------------------------------------------------ bad input

    async def test_a_context_that_is_not_json_is_refused_naming_the_field(
        self, api: _Api, machine: str
    ) -> None:
        eid = self.new_id()
        with pytest.raises(StoreError) as bad:
            await api.commit_transition(_commit(eid, machine, None, "a", context={"when": datetime.now(UTC)}))
        assert "context['when']" in str(bad.value)
        assert bad.value.context["field"] == "context['when']"
        assert await api.load_entity(eid) is None
        await api.commit_transition(_commit(eid, machine, None, "a", context={"ok": 1}))
        for context, path in (
            ({"n": float("nan")}, "context['n']"),
            ({"deep": [1, {"set": {1, 2}}]}, "context['deep'][1]['set']"),
            ({"keys": {1: "int key"}}, "context['keys']"),
        ):
            with pytest.raises(StoreError) as refused:
                await api.commit_transition(_commit(eid, machine, 1, "b", from_state="a", context=context))
            assert path in str(refused.value)
        loaded = await api.load_entity(eid)
        assert (loaded.state, loaded.version, loaded.context) == ("a", 1, {"ok": 1})

    async def test_invalid_arguments_are_clear_errors(self, api: _Api, machine: str) -> None:
        with pytest.raises(ValueError, match="entity_id"):
            _commit("", machine, None, "a")
        with pytest.raises(ValueError, match="expected_version"):
            _commit("e", machine, -1, "a")
        with pytest.raises(ValueError, match="timezone"):
            _commit("e", machine, None, "a", timestamp=datetime(2030, 1, 1))
        with pytest.raises(ValueError, match="limit"):
            await api.list_entities(machine, limit=0)
        with pytest.raises(ValueError, match="limit"):
            await api.history(self.new_id(), limit=0)
        with pytest.raises(ValueError, match="entity_id"):
            await api.set_state("", "a")
        with pytest.raises(ValueError, match="state"):
            await api.set_state(self.new_id(), "")
        with pytest.raises(ValueError, match="expected_version"):
            await api.set_state_versioned(self.new_id(), "a", expected_version=-2)

    async def test_a_stored_state_the_machine_no_longer_has_is_a_clear_error(
        self, api: _Api, machine: str
    ) -> None:
        eid = self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "retired_state", context={"x": 1}))
        record = await api.load_entity(eid)
        with pytest.raises(UndefinedStateError) as undefined:
            check_stored_state(record, {"pending", "open"})
        assert undefined.value.state == "retired_state"
        assert undefined.value.context["entity_id"] == eid
        assert undefined.value.context["machine"] == machine
        assert "retired_state" in str(undefined.value)
        assert check_stored_state(record, lambda s: s.endswith("_state")) is record
        assert await api.load_entity(eid) == record

    async def test_a_corrupted_row_is_a_clear_error_and_left_alone(
        self, api: _Api, store: Any, machine: str
    ) -> None:
        eid, healthy = self.new_id(), self.new_id()
        await api.commit_transition(_commit(eid, machine, None, "a", context={"x": 1}))
        await api.commit_transition(_commit(healthy, machine, None, "a", context={"y": 2}))
        self.corrupt_entity(store, eid)
        for _ in range(2):  # reading twice shows the first read did not "repair" anything
            with pytest.raises(StoreError) as corrupted:
                await api.load_entity(eid)
            assert corrupted.value.context["entity_id"] == eid
            assert corrupted.value.context["column"] == "context"
            assert eid in str(corrupted.value)
            with pytest.raises(StoreError):
                await api.get_context(eid)
        assert (await api.load_entity(healthy)).context == {"y": 2}
        assert await api.get_state(eid) == "a"

    # ------------------------------------------------------------------ model-based

    @settings(
        max_examples=25,
        deadline=None,
        # Each backend's subclass runs this one method (differing executors), and every example
        # uses a fresh entity, so the function-scoped store may be shared between examples.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.differing_executors,
        ],
    )
    @given(operations=st.lists(_OPERATIONS, min_size=1, max_size=20))
    def test_random_operation_sequences_match_a_reference_model(
        self, store: Any, machine: str, operations: list[tuple[str, int, str]]
    ) -> None:
        """Any sequence of commits (fresh, stale, repeated keys), marks and plain writes leaves the
        store exactly where a trivially correct model says it must be."""
        model = _Model(self.new_id("model"), machine)
        for kind, number, text in operations:
            model.apply(store, kind, number, text)
            model.check(store)

    # ------------------------------------------------------------------ concurrency

    def test_concurrent_writers_lose_no_update(self, store: Any, machine: str) -> None:
        eid = self.new_id("hot")
        store.commit_transition(_commit(eid, machine, None, "counting", context={"count": 0}))
        outcomes = self.run_writers(store, eid, machine)
        errors = [o for o in outcomes if o[0] != "ok"]
        assert errors == []
        increments = sum(o[1] for o in outcomes)
        assert increments == WRITERS * INCREMENTS_PER_WRITER
        applied_transitions = increments + 1  # the create is a transition too
        final = store.load_entity(eid)
        assert final.context["count"] == increments  # no update lost
        assert final.version == applied_transitions
        history = store.history(eid, limit=applied_transitions + 10)
        assert [t.version for t in history] == list(range(1, applied_transitions + 1))

    def run_writers(self, store: Any, eid: str, machine: str) -> list[tuple[str, Any, int]]:
        """Run the concurrent writers on ``store``: threads here, processes in the durable suite."""
        barrier = threading.Barrier(WRITERS)
        outcomes: list[tuple[str, Any, int]] = []

        def write() -> None:
            try:
                barrier.wait(timeout=PROCESS_TIMEOUT_S)
                retries = sum(_increment(store, eid, machine) for _ in range(INCREMENTS_PER_WRITER))
                outcomes.append(("ok", INCREMENTS_PER_WRITER, retries))
            except BaseException as exc:
                outcomes.append(("error", repr(exc), 0))

        threads = [threading.Thread(target=write) for _ in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PROCESS_TIMEOUT_S)
        return outcomes

    async def test_concurrent_async_writers_lose_no_update(self, store: Any, machine: str) -> None:
        eid = self.new_id("hot")
        await store.acommit_transition(_commit(eid, machine, None, "counting", context={"count": 0}))
        per_task = 8

        async def writer() -> None:
            for _ in range(per_task):
                while True:
                    record = await store.aload_entity(eid)
                    count = record.context["count"]
                    try:
                        await store.acommit_transition(
                            _commit(eid, machine, record.version, "counting", context={"count": count + 1})
                        )
                        break
                    except StaleVersionError:
                        await asyncio.sleep(0)

        await asyncio.gather(*(writer() for _ in range(WRITERS)))
        final = await store.aload_entity(eid)
        assert final.context["count"] == WRITERS * per_task
        assert final.version == WRITERS * per_task + 1

    def test_concurrent_creates_let_exactly_one_win(self, store: Any, machine: str) -> None:
        eid = self.new_id()
        barrier = threading.Barrier(WRITERS)
        winners: list[int] = []
        losers: list[StaleVersionError] = []

        def create(index: int) -> None:
            barrier.wait(timeout=PROCESS_TIMEOUT_S)
            try:
                store.commit_transition(_commit(eid, machine, None, "a", context={"winner": index}))
                winners.append(index)
            except StaleVersionError as exc:
                losers.append(exc)

        threads = [threading.Thread(target=create, args=(i,)) for i in range(WRITERS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PROCESS_TIMEOUT_S)
        assert len(winners) == 1
        assert len(losers) == WRITERS - 1
        record = store.load_entity(eid)
        assert (record.version, record.context) == (1, {"winner": winners[0]})

    def test_concurrent_retries_of_one_event_apply_it_once(self, store: Any, machine: str) -> None:
        eid = self.new_id()
        store.commit_transition(_commit(eid, machine, None, "a", context={"count": 0}))
        barrier = threading.Barrier(8)
        versions: list[int] = []

        def deliver() -> None:
            barrier.wait(timeout=PROCESS_TIMEOUT_S)
            while True:
                record = store.load_entity(eid)
                try:
                    result = store.commit_transition(
                        _commit(
                            eid,
                            machine,
                            record.version,
                            "b",
                            context={"count": record.context["count"] + 1},
                            idempotency_key="the-event",
                        )
                    )
                    versions.append(result.transition.version)
                    return
                except StaleVersionError:
                    continue

        threads = [threading.Thread(target=deliver) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(PROCESS_TIMEOUT_S)
        assert versions == [2] * 8
        record = store.load_entity(eid)
        assert (record.version, record.context) == (2, {"count": 1})


class DurableStoreConformance(StoreConformance):
    """The suite for stores whose data outlives the process and is shared between processes.

    Besides ``store`` it needs the ``store_opener`` fixture; the concurrent writers then run in
    separate processes, and a process killed between persist and actions is recovered from another.
    """

    @pytest.fixture
    def store_opener(self) -> StoreOpener:
        """A picklable zero-argument callable building another store on the same data."""
        raise NotImplementedError("a DurableStoreConformance subclass must provide 'store_opener'")

    @pytest.fixture(autouse=True)
    def _remember_opener(self, store_opener: StoreOpener) -> None:
        self._opener = store_opener

    def run_writers(self, store: Any, eid: str, machine: str) -> list[tuple[str, Any, int]]:
        context = multiprocessing.get_context("spawn")
        barrier = context.Barrier(WRITERS)
        results = context.Queue()
        processes = [
            context.Process(
                target=_writer_process,
                args=(self._opener, eid, machine, barrier, results),
            )
            for _ in range(WRITERS)
        ]
        for process in processes:
            process.start()
        outcomes = [results.get(timeout=PROCESS_TIMEOUT_S) for _ in processes]
        for process in processes:
            process.join(PROCESS_TIMEOUT_S)
            assert process.exitcode == 0
        return outcomes

    async def test_a_process_killed_after_persist_is_resumed_by_another(
        self, store: Any, store_opener: StoreOpener, machine: str
    ) -> None:
        eid = self.new_id()
        actions = (PlannedAction("ship", {"carrier": "ups"}), PlannedAction("email"))
        commit = _commit(eid, machine, None, "paid", trigger="pay", actions=actions)
        context = multiprocessing.get_context("spawn")
        child = context.Process(target=_commit_then_crash, args=(store_opener, commit))
        child.start()
        child.join(PROCESS_TIMEOUT_S)
        assert child.exitcode == 17
        assert store.load_entity(eid).state == "paid"
        recovering = store_opener()  # a fresh store, as a restarted process would build it
        try:
            await _resume_pending(recovering, machine, [(eid, 1, actions)])
        finally:
            await recovering.aclose()
        assert store.pending_action_records(machine=machine) == []
