"""The in-memory store keeps private copies: what callers hold never reaches what it stores, and what
it gives back is what a JSON store would give back."""

from __future__ import annotations

import enum
import gc
import math
import sys
from datetime import UTC, datetime
from typing import Any

import pytest

from pystator.errors import StoreError
from pystator.stores import InMemoryStateStore, TransitionCommit
from pystator.stores.records import EntityRecord, TransitionRecord
from pystator.stores.snapshot import freeze, thaw


class Level(enum.IntEnum):
    HIGH = 3


def _commit(store: InMemoryStateStore, entity_id: str, context: dict[str, Any], **extra: Any) -> None:
    record = store.load_entity(entity_id)
    store.commit_transition(
        TransitionCommit(
            entity_id,
            "m",
            None if record is None else record.version,
            None if record is None else record.state,
            "a",
            "go",
            context=context,
            **extra,
        )
    )


def test_changing_what_was_committed_or_loaded_changes_nothing_stored() -> None:
    store = InMemoryStateStore()
    context: dict[str, Any] = {"n": 1, "tags": ["a"], "nested": {"deep": {"x": 1}}}
    changes: dict[str, Any] = {"n": {"before": 0, "after": 1}}
    metadata: dict[str, Any] = {"who": "me"}
    _commit(store, "e", context, context_changes=changes, metadata=metadata)
    context["n"] = 2
    context["tags"].append("b")
    context["nested"]["deep"]["x"] = 2
    changes["n"]["after"] = 99
    metadata["who"] = "you"
    loaded = store.load_entity("e")
    assert loaded is not None
    assert loaded.context == {"n": 1, "tags": ["a"], "nested": {"deep": {"x": 1}}}
    assert loaded.metadata == {"who": "me"}
    loaded.context["tags"].append("c")  # type: ignore[index]
    loaded.context["nested"]["deep"]["x"] = 3  # type: ignore[index]
    again = store.load_entity("e")
    assert again is not None and again.context == {"n": 1, "tags": ["a"], "nested": {"deep": {"x": 1}}}
    (first,) = store.history("e")
    assert first.context_changes == {"n": {"before": 0, "after": 1}} and first.metadata == {"who": "me"}
    first.context_changes["n"]["after"] = 5  # type: ignore[index]
    assert store.history("e")[0].context_changes == {"n": {"before": 0, "after": 1}}
    store.set_context("e", context)
    context["tags"].append("z")
    assert store.get_context("e")["tags"] == ["a", "b"]


def test_values_come_back_as_json_would_give_them_back() -> None:
    store = InMemoryStateStore()
    _commit(store, "e", {"t": (1, 2), "level": Level.HIGH, "f": 1.5, "b": True, "none": None})
    loaded = store.load_entity("e")
    assert loaded is not None
    assert loaded.context == {"t": [1, 2], "level": 3, "f": 1.5, "b": True, "none": None}
    assert type(loaded.context["level"]) is int and type(loaded.context["t"]) is list


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"x": math.nan}, "context['x']"),
        ({"x": {"y": math.inf}}, "context['x']['y']"),
        ({"x": [object()]}, "context['x'][0]"),
        ({"x": {1: "one"}}, "context['x']"),
    ],
)
def test_what_json_cannot_carry_is_refused_and_named(value: dict[str, Any], path: str) -> None:
    store = InMemoryStateStore()
    with pytest.raises(StoreError, match=path.replace("[", r"\[").replace("]", r"\]")):
        _commit(store, "e", value)
    assert store.load_entity("e") is None


def test_freeze_and_thaw_copy_at_every_depth() -> None:
    value: dict[str, Any] = {"a": [{"b": [1, 2.5, "s", None, False]}], "c": {}}
    frozen = freeze(value, field="v")
    thawed = thaw(frozen, entity_id="e", column="v")
    assert thawed == value
    assert thawed is not value and thawed["a"] is not value["a"] and thawed["a"][0] is not value["a"][0]
    assert thaw(frozen, entity_id="e", column="v")["a"][0]["b"] is not thawed["a"][0]["b"]
    deep: Any = 1
    for _ in range(100):  # deeper than the copy goes: the JSON text path takes over
        deep = {"d": deep}
    assert thaw(freeze(deep, field="v"), entity_id="e", column="v") == deep


def test_records_stay_frozen_and_equal_after_the_fast_constructor() -> None:
    record = EntityRecord("e", "m", "s", 1, {}, datetime.now(UTC))
    with pytest.raises(AttributeError):
        record.version = 2  # type: ignore[misc]
    assert type(record) is EntityRecord and record == EntityRecord(
        *[getattr(record, f) for f in record.__slots__]
    )

    class Sub(TransitionRecord):
        pass

    sub = Sub("e", "m", 1, None, "a", "t", record.updated_at)
    assert type(sub) is Sub and sub.version == 1


def test_history_and_metadata_come_back_as_json_would_give_them_back() -> None:
    store = InMemoryStateStore()
    shared: dict[str, Any] = {"k": [1]}
    changes = {"a": shared, "b": shared, "deep": {"x": {"y": [1.5, None, True]}}}
    _commit(store, "e", {"n": 1}, context_changes=changes, metadata={"m": shared, "t": (1, 2)})
    (first,) = store.history("e")
    assert first.context_changes == {"a": shared, "b": shared, "deep": {"x": {"y": [1.5, None, True]}}}
    first.context_changes["a"]["k"].append(2)
    assert first.context_changes["b"] == {"k": [1]}  # independent copies, as from JSON
    assert store.history("e")[0].context_changes["a"] == {"k": [1]}
    loaded = store.load_entity("e")
    assert loaded is not None and loaded.metadata == first.metadata == {"m": {"k": [1]}, "t": [1, 2]}
    assert type(loaded) is EntityRecord and type(first) is TransitionRecord
    shared["k"].append(3)
    assert store.history("e")[0].metadata == {"m": {"k": [1]}, "t": [1, 2]}


@pytest.mark.parametrize(
    ("extra", "path"),
    [
        ({"context_changes": {"x": {"after": math.nan}}}, "context_changes['x']['after']"),
        ({"metadata": {"x": [1, {2: "two"}]}}, "metadata['x'][1]"),
    ],
)
def test_history_values_json_cannot_carry_are_refused_and_named(extra: dict[str, Any], path: str) -> None:
    store = InMemoryStateStore()
    with pytest.raises(StoreError, match=path.replace("[", r"\[").replace("]", r"\]")):
        _commit(store, "e", {"n": 1}, **extra)
    assert store.load_entity("e") is None and store.history("e") == []


@pytest.mark.skipif(sys.implementation.name != "cpython", reason="the CPython collector's tracking")
def test_a_long_history_leaves_nothing_for_the_collector_to_walk() -> None:
    store = InMemoryStateStore()
    _commit(store, "e", {"n": 0})
    gc.collect()
    before = len(gc.get_objects())
    for n in range(1, 1001):
        changes = {"n": {"before": n - 1, "after": n}}
        _commit(store, "e", {"n": n, "tags": "a"}, context_changes=changes, metadata={"by": "me", "n": n})
    gc.collect()
    assert len(gc.get_objects()) - before < 100  # not one container per committed transition
    assert len(store.history("e", limit=2000)) == 1001
