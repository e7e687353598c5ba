"""``RedisStateStore``: entities in hashes, history in a stream, every write one atomic Lua script.

A transition commit is one ``EVALSHA``: the script checks the idempotency key and the version
(compare-and-set), then appends the history entry to the entity's stream and writes the entity, its
indexes, the key and the pending-actions entry; a conflict or a repeated key writes nothing.

Each operation is written once, as a generator of Redis commands (sans I/O); the sync methods drive
it with a ``redis.Redis`` client, the ``a``-prefixed ones with a ``redis.asyncio.Redis`` client opened
for the running event loop. All keys start with ``prefix`` (``"pystator:"`` by default). The scripts
touch keys they compute themselves, so use a single Redis server (or a primary with replicas),
not Redis Cluster.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Generator, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from pystator.errors import EntityNotFoundError, StoreError
from pystator.stores import codec
from pystator.stores.checks import (
    check_entity_id,
    check_limit,
    check_state_write,
    machine_conflict,
    stale_version,
    transition_not_found,
)
from pystator.stores.records import (
    ActionOutcome,
    ActionsStatus,
    CommitResult,
    EntityPage,
    EntityRecord,
    TransitionCommit,
    TransitionRecord,
)
from pystator_stores import _redis_scripts as scripts
from pystator_stores._batching import Coalescer
from pystator_stores._loops import LoopLocal, PerLoop

try:
    import redis
    import redis.asyncio
except ModuleNotFoundError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    if exc.name is None or exc.name.split(".")[0] != "redis":
        raise
    raise ImportError(
        "RedisStateStore needs the redis client: pip install 'pystator-stores[redis]'", name="redis"
    ) from exc

__all__ = ["RedisStateStore"]

T = TypeVar("T")

_ENTITY_FIELDS = ("machine", "state", "version", "context", "updated_at", "metadata")
_SCRIPTS = {
    "commit": scripts.COMMIT,
    "set_states": scripts.SET_STATES,
    "set_context": scripts.SET_CONTEXT,
    "mark_actions": scripts.MARK_ACTIONS,
    "read_history": scripts.READ_HISTORY,
    "read_pending": scripts.READ_PENDING,
}


@dataclass(frozen=True, slots=True)
class _Call:
    command: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Script:
    name: str
    args: tuple[Any, ...]


@dataclass(frozen=True, slots=True)
class _Pipeline:
    calls: tuple[_Call, ...]


_Command = _Call | _Script | _Pipeline
_Op = Generator[_Command, Any, T]


@dataclass(frozen=True, slots=True)
class _Batchers:
    commits: Coalescer[TransitionCommit, CommitResult]
    loads: Coalescer[str, EntityRecord | None]
    marks: Coalescer[tuple[str, int, Sequence[ActionOutcome]], TransitionRecord]


def _entity(entity_id: str, values: Sequence[Any]) -> EntityRecord | None:
    machine, state, version, context, updated_at, metadata = values
    if machine is None and state is None and version is None:
        return None
    return codec.entity_from_columns(
        entity_id,
        machine=machine,
        state=state,
        version=version,
        context=context,
        updated_at=updated_at,
        metadata=metadata,
    )


def _transition(
    entity_id: str, entry_id: str, raw_fields: Sequence[Any], payload: str | None
) -> TransitionRecord:
    fields = dict(zip(raw_fields[0::2], raw_fields[1::2]))
    row = codec.decode_object(fields.get("r"), entity_id=entity_id, column="history entry")
    status: object = ActionsStatus.DONE.value
    outcomes: Any = []
    if payload is not None:
        decoded = codec.decode_object(payload, entity_id=entity_id, column="action_outcomes")
        status, outcomes = decoded.get("status"), decoded.get("outcomes")
    return codec.transition_from_columns(
        entity_id,
        machine=row.get("machine"),
        version=entry_id.split("-", 1)[0],
        from_state=row.get("from_state"),
        to_state=row.get("to_state"),
        trigger=row.get("trigger"),
        timestamp=row.get("timestamp"),
        event_id=row.get("event_id"),
        idempotency_key=row.get("idempotency_key"),
        context_changes=row.get("context_changes"),
        actions=row.get("actions"),
        actions_status=status,
        action_outcomes=outcomes,
        metadata=row.get("metadata"),
    )


def _history_entry(
    commit: TransitionCommit, timestamp: str, changes: str, actions: str, metadata: str
) -> str:
    """The history row as one JSON object; the already-encoded JSON columns are spliced in as they are."""
    scalars = codec.encode_json(
        {
            "machine": commit.machine,
            "from_state": commit.from_state,
            "to_state": commit.to_state,
            "trigger": commit.trigger,
            "timestamp": timestamp,
            "event_id": commit.event_id,
            "idempotency_key": commit.idempotency_key,
        },
        field="commit",
    )
    return f'{scalars[:-1]},"context_changes":{changes},"actions":{actions},"metadata":{metadata}}}'


class _Stepper(Generic[T]):
    """Several sans-I/O operations advanced together, each to its next command or its outcome."""

    def __init__(self, ops: list[_Op[T]]) -> None:
        self.ops = ops
        self.outcomes: list[T | Exception] = [StoreError("not run")] * len(ops)
        self.steps: list[tuple[int, _Command]] = []
        for index in range(len(ops)):
            self.advance(index, None)

    def advance(self, index: int, reply: Any) -> None:
        try:
            command = self.ops[index].send(reply)
        except StopIteration as done:
            self.outcomes[index] = done.value
        except Exception as exc:
            self.outcomes[index] = exc
        else:
            self.steps.append((index, command))

    def fail(self, index: int, error: Exception) -> None:
        self.ops[index].close()
        self.outcomes[index] = error

    def fail_all(self, error: Exception) -> None:
        for index, _ in self.steps:
            self.fail(index, error)
        self.steps = []


def _queue(pipe: Any, scripts: Mapping[str, Any], command: _Command) -> int:
    """Add ``command`` to ``pipe``; how many replies it will take."""
    calls = command.calls if isinstance(command, _Pipeline) else (command,)
    for call in calls:
        if isinstance(call, _Script):
            pipe.execute_command("EVALSHA", scripts[call.name].sha, 0, *call.args)
        else:
            pipe.execute_command(call.command, *call.args)
    return len(calls)


def _first_error(reply: Any) -> redis.exceptions.RedisError | None:
    if isinstance(reply, redis.exceptions.RedisError):
        return reply
    if isinstance(reply, list):
        return next((item for item in reply if isinstance(item, redis.exceptions.RedisError)), None)
    return None


def _redacted(url: str) -> str:
    """The URL without its password, for messages."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, host = rest.rsplit("@", 1)
    return f"{scheme}://{credentials.split(':', 1)[0]}@{host}"


def _score(moment: datetime) -> str:
    return repr(moment.timestamp())


class RedisStateStore:
    """Every store protocol (``FullStateStore``) on Redis.

    ``url`` is a ``redis://`` (or ``rediss://``, ``unix://``) URL; ``prefix`` starts every key, so that
    several applications (or tests) can share one server; other keyword arguments go to the clients.

    Concurrent loads and commits of one event loop are coalesced: those issued in the same loop
    iteration leave in one pipeline, each commit still its own atomic script with its own outcome
    (``max_batch`` caps a pipeline; 1 turns coalescing off).
    """

    def __init__(
        self,
        url: str,
        *,
        prefix: str = "pystator:",
        clock: Callable[[], datetime] = codec.utc_now,
        max_batch: int = 256,
        **client_options: Any,
    ) -> None:
        self.url = url
        self.prefix = prefix
        self._clock = clock
        self._client_options = client_options
        self._client = redis.Redis.from_url(url, decode_responses=True, **client_options)
        self._scripts = {name: self._client.register_script(src) for name, src in _SCRIPTS.items()}
        self._async_clients: PerLoop[tuple[redis.asyncio.Redis, dict[str, Any]]] = PerLoop(self._open_async)
        if isinstance(max_batch, bool) or not isinstance(max_batch, int) or max_batch < 1:
            raise ValueError(f"max_batch: expected an integer >= 1, got {max_batch!r}")
        self._max_batch = max_batch
        self._loop_batchers: LoopLocal[_Batchers] = LoopLocal(self._new_batchers)
        self._closed = False

    def __repr__(self) -> str:
        return f"RedisStateStore({_redacted(self.url)!r}, prefix={self.prefix!r})"

    # ------------------------------------------------------------------ drivers

    async def _open_async(self) -> tuple[redis.asyncio.Redis, dict[str, Any]]:
        client = redis.asyncio.Redis.from_url(self.url, decode_responses=True, **self._client_options)
        return client, {name: client.register_script(src) for name, src in _SCRIPTS.items()}

    def _store_error(self, exc: redis.exceptions.RedisError) -> StoreError:
        """A driver error as a ``StoreError`` (the URL, never a password, for a connection problem)."""
        if isinstance(exc, redis.exceptions.ConnectionError):
            return StoreError(f"Redis at {_redacted(self.url)}: {type(exc).__name__}: {exc}")
        return StoreError(f"Redis: {type(exc).__name__}: {exc}")

    def _check_open(self, op: _Op[Any]) -> None:
        if self._closed:
            op.close()
            raise StoreError(f"{self!r} is closed")

    def _run(self, op: _Op[T]) -> T:
        self._check_open(op)
        try:
            command = next(op)
            while True:
                command = op.send(self._execute(command))
        except StopIteration as done:
            result: T = done.value
            return result
        except redis.exceptions.RedisError as exc:
            raise self._store_error(exc) from exc

    def _execute(self, command: _Command) -> Any:
        if isinstance(command, _Call):
            return self._client.execute_command(command.command, *command.args)  # type: ignore[no-untyped-call]
        if isinstance(command, _Script):
            return self._scripts[command.name](keys=[], args=command.args)
        pipe = self._client.pipeline(transaction=False)
        for call in command.calls:
            pipe.execute_command(call.command, *call.args)  # type: ignore[no-untyped-call]
        return pipe.execute()

    async def _arun_many(self, ops: list[_Op[T]]) -> list[T | Exception]:
        """Drive several operations at once: the commands they need at each step go in one pipeline.

        Each operation gets its own outcome: its result, or the exception it would raise alone.
        """
        for op in ops:
            self._check_open(op)
        client, client_scripts = await self._async_clients.get()
        run = _Stepper(ops)
        while run.steps:
            pipe = client.pipeline(transaction=False)
            sizes = [_queue(pipe, client_scripts, command) for _, command in run.steps]
            try:
                replies = await pipe.execute(raise_on_error=False)
            except redis.exceptions.RedisError as exc:
                run.fail_all(self._store_error(exc))
                break
            current, run.steps, offset = run.steps, [], 0
            for (index, command), size in zip(current, sizes, strict=True):
                reply = replies[offset : offset + size] if isinstance(command, _Pipeline) else replies[offset]
                offset += size
                if isinstance(reply, redis.exceptions.NoScriptError) and isinstance(command, _Script):
                    try:  # the server lost its scripts (restart, SCRIPT FLUSH): the script object reloads it
                        reply = await client_scripts[command.name](keys=[], args=command.args)
                    except redis.exceptions.RedisError as exc:
                        reply = exc
                failed = _first_error(reply)
                if failed is not None:
                    run.fail(index, self._store_error(failed))
                else:
                    run.advance(index, reply)
        return run.outcomes

    async def _arun(self, op: _Op[T]) -> T:
        self._check_open(op)
        client, client_scripts = await self._async_clients.get()
        try:
            command = next(op)
            while True:
                if isinstance(command, _Call):
                    reply = await client.execute_command(command.command, *command.args)  # type: ignore[no-untyped-call]
                elif isinstance(command, _Script):
                    reply = await client_scripts[command.name](keys=[], args=command.args)
                else:
                    pipe = client.pipeline(transaction=False)
                    for call in command.calls:
                        pipe.execute_command(call.command, *call.args)
                    reply = await pipe.execute()
                command = op.send(reply)
        except StopIteration as done:
            result: T = done.value
            return result
        except redis.exceptions.RedisError as exc:
            raise self._store_error(exc) from exc

    # ------------------------------------------------------------------ keys

    def _key(self, kind: str, entity_id: str) -> str:
        return f"{self.prefix}{kind}:{entity_id}"

    def _machine_key(self, kind: str, machine: str) -> str:
        return f"{self.prefix}{kind}:{len(machine.encode())}:{machine}"

    # ------------------------------------------------------------------ operations (sans I/O)

    def _op_entity_fields(self, entity_id: str, *fields: str) -> _Op[list[Any]]:
        values: list[Any] = yield _Call("HMGET", (self._key("e", entity_id), *fields))
        return values

    def _op_load(self, entity_id: str) -> _Op[EntityRecord | None]:
        values = yield from self._op_entity_fields(entity_id, *_ENTITY_FIELDS)
        return _entity(entity_id, values)

    def _op_get_state(self, entity_id: str) -> _Op[str | None]:
        (state,) = yield from self._op_entity_fields(entity_id, "state")
        return None if state is None else str(state)

    def _op_get_context(self, entity_id: str) -> _Op[dict[str, Any]]:
        version, context = yield from self._op_entity_fields(entity_id, "version", "context")
        if version is None and context is None:
            return {}
        return codec.decode_object(context, entity_id=entity_id, column="context")

    def _op_get_versioned(self, entity_id: str) -> _Op[tuple[str | None, int]]:
        state, version = yield from self._op_entity_fields(entity_id, "state", "version")
        if state is None and version is None:
            return None, 0
        if state is None or not str(version).isdigit() or int(version) < 1:
            raise codec.corrupted(entity_id, "version", f"state {state!r} at version {version!r}")
        return str(state), int(version)

    def _op_set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> _Op[None]:
        check_entity_id(entity_id)
        encoded = codec.encode_json(codec.plain(ctx), field="context")
        now = codec.encode_timestamp(self._clock())
        found = yield _Script("set_context", (self.prefix, entity_id, encoded, now))
        if not found:
            raise EntityNotFoundError(f"entity {entity_id!r} is not stored", entity_id=entity_id)

    def _op_set_states(
        self, states: Mapping[str, str], expected: int | None, metadata: Mapping[str, Any] | None
    ) -> _Op[dict[str, int]]:
        for entity_id, state in states.items():
            check_state_write(entity_id, state, expected)
        encoded = codec.encode_json(codec.plain(metadata or {}), field="metadata")
        now = codec.encode_timestamp(self._clock())
        pairs = [item for pair in states.items() for item in pair]
        args = (self.prefix, encoded, now, "" if expected is None else str(expected), *pairs)
        reply = yield _Script("set_states", args)
        outcome = reply[0]
        if outcome == "stale":
            (entity_id,) = states
            raise stale_version(entity_id, int(expected or 0), int(reply[1]))
        if outcome == "corrupt":
            raise codec.corrupted(str(reply[1]), "version", f"expected an integer >= 1, found {reply[2]!r}")
        return {entity_id: int(version) for entity_id, version in zip(states, reply[1])}

    def _op_load_many(self, entity_ids: Iterable[str]) -> _Op[dict[str, EntityRecord]]:
        ids = list(dict.fromkeys(entity_ids))
        if not ids:
            return {}
        replies = yield _Pipeline(
            tuple(_Call("HMGET", (self._key("e", eid), *_ENTITY_FIELDS)) for eid in ids)
        )
        found: dict[str, EntityRecord] = {}
        for entity_id, values in zip(ids, replies):
            record = _entity(entity_id, values)
            if record is not None:
                found[entity_id] = record
        return found

    def _op_get_states(self, entity_ids: Iterable[str]) -> _Op[dict[str, str]]:
        ids = list(dict.fromkeys(entity_ids))
        if not ids:
            return {}
        replies = yield _Pipeline(tuple(_Call("HGET", (self._key("e", eid), "state")) for eid in ids))
        return {eid: str(state) for eid, state in zip(ids, replies) if state is not None}

    def _op_list(self, machine: str, state: str | None, limit: int, after: str | None) -> _Op[EntityPage]:
        check_limit(limit)
        if state is None:
            key = self._machine_key("m", machine)
        else:
            key = f"{self._machine_key('ms', machine)}:{state}"
        start = "-" if after is None else f"({after}"
        ids: list[str] = yield _Call("ZRANGEBYLEX", (key, start, "+", "LIMIT", 0, limit + 1))
        records = yield from self._op_load_many(ids[:limit])
        # The index and the hashes are read in two steps: drop an entity that moved in between.
        items = tuple(
            record
            for eid in ids[:limit]
            if (record := records.get(eid)) is not None
            and record.machine == machine
            and (state is None or record.state == state)
        )
        return EntityPage(items, ids[limit - 1] if len(ids) > limit else None)

    def _op_count(self, machine: str) -> _Op[dict[str, int]]:
        counts: Mapping[str, str] = yield _Call("HGETALL", (self._machine_key("mc", machine),))
        return {state: int(count) for state, count in counts.items() if int(count) > 0}

    def _op_history(self, entity_id: str, after_version: int, limit: int) -> _Op[list[TransitionRecord]]:
        check_limit(limit)
        start = f"{max(after_version, 0) + 1}-0"
        rows = yield _Script("read_history", (self.prefix, entity_id, start, "+", limit))
        return [_transition(entity_id, entry_id, fields, payload) for entry_id, fields, payload in rows]

    def _op_get_transition(self, entity_id: str, version: int) -> _Op[TransitionRecord | None]:
        entry = f"{version}-1"
        rows = yield _Script("read_history", (self.prefix, entity_id, entry, entry, 1))
        return None if not rows else _transition(entity_id, *rows[0])

    def _op_commit(self, commit: TransitionCommit) -> _Op[CommitResult]:
        entity_id = commit.entity_id
        context = codec.encode_json(codec.plain(commit.context), field="context")
        metadata = codec.encode_json(codec.plain(commit.metadata), field="metadata")
        changes = codec.encode_json(codec.plain(commit.context_changes), field="context_changes")
        actions = codec.encode_actions(commit.actions)
        moment = commit.timestamp or self._clock()
        now = codec.encode_timestamp(moment)
        expected = commit.expected_version or 0
        reply = yield _Script(
            "commit",
            (
                self.prefix,
                entity_id,
                commit.machine,
                expected,
                commit.to_state,
                context,
                metadata,
                now,
                commit.idempotency_key or "",
                _history_entry(commit, now, changes, actions, metadata),
                _score(moment) if commit.actions else "",
            ),
        )
        outcome = reply[0]
        if outcome == "applied":
            status = ActionsStatus.PENDING if commit.actions else ActionsStatus.DONE
            return codec.committed_records(
                commit, version=int(reply[1]), timestamp=moment, actions_status=status
            )
        if outcome == "duplicate":
            first = yield from self._op_get_transition(entity_id, int(reply[1]))
            current = yield from self._op_load(entity_id)
            if first is None or current is None:
                raise StoreError(
                    f"entity {entity_id!r}: the first commit of this idempotency key vanished",
                    context={"entity_id": entity_id},
                )
            return CommitResult(current, first, duplicate=True)
        if outcome == "machine":
            raise machine_conflict(entity_id, str(reply[1]), commit.machine)
        if outcome == "stale":
            raise stale_version(entity_id, expected, int(reply[1]))
        raise codec.corrupted(entity_id, str(reply[1]), str(reply[2]))

    def _op_mark(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> _Op[TransitionRecord]:
        status = ActionsStatus.from_outcomes(outcomes)
        encoded_outcomes = json.loads(codec.encode_outcomes(list(outcomes)))
        payload = codec.encode_json({"status": status.value, "outcomes": encoded_outcomes}, field="outcomes")
        reply = yield _Script("mark_actions", (self.prefix, entity_id, version, payload))
        if reply is None:
            raise transition_not_found(entity_id, version)
        entry_id, fields = reply
        return _transition(entity_id, entry_id, fields, payload)

    def _op_pending(
        self, machine: str | None, before: datetime | None, limit: int
    ) -> _Op[list[TransitionRecord]]:
        check_limit(limit)
        key = f"{self.prefix}pending" if machine is None else self._machine_key("pm", machine)
        max_score = "+inf" if before is None else f"({_score(before)}"
        rows = yield _Script("read_pending", (self.prefix, key, max_score, limit))
        return [_transition(eid, entry_id, fields, payload) for eid, entry_id, fields, payload in rows]

    # ------------------------------------------------------------------ sync methods

    def get_state(self, entity_id: str) -> str | None:
        return self._run(self._op_get_state(entity_id))

    def set_state(self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None) -> None:
        self._run(self._op_set_states({entity_id: state}, None, metadata))

    def get_context(self, entity_id: str) -> dict[str, Any]:
        return self._run(self._op_get_context(entity_id))

    def set_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        self._run(self._op_set_context(entity_id, ctx))

    def get_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        return self._run(self._op_get_versioned(entity_id))

    def set_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        return self._run(self._op_set_states({entity_id: state}, expected_version, metadata))[entity_id]

    def get_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        return self._run(self._op_get_states(entity_ids))

    def load_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        return self._run(self._op_load_many(entity_ids))

    def set_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        return self._run(self._op_set_states(states, None, metadata)) if states else {}

    def list_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        return self._run(self._op_list(machine, state, limit, after))

    def count_by_state(self, machine: str) -> dict[str, int]:
        return self._run(self._op_count(machine))

    def history(self, entity_id: str, *, after_version: int = 0, limit: int = 100) -> list[TransitionRecord]:
        return self._run(self._op_history(entity_id, after_version, limit))

    def get_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return self._run(self._op_get_transition(entity_id, version))

    def load_entity(self, entity_id: str) -> EntityRecord | None:
        return self._run(self._op_load(entity_id))

    def commit_transition(self, commit: TransitionCommit) -> CommitResult:
        return self._run(self._op_commit(commit))

    def mark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        return self._run(self._op_mark(entity_id, version, outcomes))

    def pending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        return self._run(self._op_pending(machine, before, limit))

    # ------------------------------------------------------------------ async methods

    async def aget_state(self, entity_id: str) -> str | None:
        return await self._arun(self._op_get_state(entity_id))

    async def aset_state(
        self, entity_id: str, state: str, *, metadata: Mapping[str, Any] | None = None
    ) -> None:
        await self._arun(self._op_set_states({entity_id: state}, None, metadata))

    async def aget_context(self, entity_id: str) -> dict[str, Any]:
        return await self._arun(self._op_get_context(entity_id))

    async def aset_context(self, entity_id: str, ctx: Mapping[str, Any]) -> None:
        await self._arun(self._op_set_context(entity_id, ctx))

    async def aget_state_versioned(self, entity_id: str) -> tuple[str | None, int]:
        return await self._arun(self._op_get_versioned(entity_id))

    async def aset_state_versioned(
        self,
        entity_id: str,
        state: str,
        *,
        expected_version: int | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> int:
        versions = await self._arun(self._op_set_states({entity_id: state}, expected_version, metadata))
        return versions[entity_id]

    async def aget_states(self, entity_ids: Iterable[str]) -> dict[str, str]:
        return await self._arun(self._op_get_states(entity_ids))

    async def aload_entities(self, entity_ids: Iterable[str]) -> dict[str, EntityRecord]:
        return await self._arun(self._op_load_many(entity_ids))

    async def aset_states(
        self, states: Mapping[str, str], *, metadata: Mapping[str, Any] | None = None
    ) -> dict[str, int]:
        return await self._arun(self._op_set_states(states, None, metadata)) if states else {}

    async def alist_entities(
        self, machine: str, *, state: str | None = None, limit: int = 100, after: str | None = None
    ) -> EntityPage:
        return await self._arun(self._op_list(machine, state, limit, after))

    async def acount_by_state(self, machine: str) -> dict[str, int]:
        return await self._arun(self._op_count(machine))

    async def ahistory(
        self, entity_id: str, *, after_version: int = 0, limit: int = 100
    ) -> list[TransitionRecord]:
        return await self._arun(self._op_history(entity_id, after_version, limit))

    async def aget_transition(self, entity_id: str, version: int) -> TransitionRecord | None:
        return await self._arun(self._op_get_transition(entity_id, version))

    async def aload_entity(self, entity_id: str) -> EntityRecord | None:
        if self._max_batch < 2:
            return await self._arun(self._op_load(entity_id))
        return await self._batchers().loads.submit(entity_id, entity_id)

    async def acommit_transition(self, commit: TransitionCommit) -> CommitResult:
        if self._max_batch < 2:
            return await self._arun(self._op_commit(commit))
        return await self._batchers().commits.submit(commit.entity_id, commit)

    def _batchers(self) -> _Batchers:
        """The running loop's coalescers (see ``_batching.py``)."""
        return self._loop_batchers.get()

    def _new_batchers(self) -> _Batchers:
        return _Batchers(
            Coalescer(
                lambda commit: self._arun(self._op_commit(commit)),
                lambda commits: self._arun_many([self._op_commit(c) for c in commits]),
                max_batch=self._max_batch,
            ),
            Coalescer(
                lambda entity_id: self._arun(self._op_load(entity_id)),
                lambda ids: self._arun_many([self._op_load(eid) for eid in ids]),
                max_batch=self._max_batch,
                ordered=False,
            ),
            Coalescer(
                lambda mark: self._arun(self._op_mark(*mark)),
                lambda marks: self._arun_many([self._op_mark(*mark) for mark in marks]),
                max_batch=self._max_batch,
            ),
        )

    async def amark_actions(
        self, entity_id: str, version: int, outcomes: Sequence[ActionOutcome]
    ) -> TransitionRecord:
        if self._max_batch < 2:
            return await self._arun(self._op_mark(entity_id, version, outcomes))
        return await self._batchers().marks.submit((entity_id, version), (entity_id, version, outcomes))

    async def apending_action_records(
        self, *, machine: str | None = None, before: datetime | None = None, limit: int = 100
    ) -> list[TransitionRecord]:
        return await self._arun(self._op_pending(machine, before, limit))

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close the sync client; async clients of loops that are gone are dropped."""
        self._closed = True
        self._client.close()
        for future in self._async_clients.take_all().values():
            future.cancel()

    async def aclose(self) -> None:
        """Close the running loop's async client and the sync client."""
        mine = self._async_clients.take(asyncio.get_running_loop())
        if mine is not None:
            client, _ = await mine
            await client.aclose()
        self.close()

    def __enter__(self) -> RedisStateStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
