"""Store records, the JSON codec, the checks of a loaded entity and the entity cache."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

import pystator
from pystator import ActionResult, ActionStatus, ErrorCode, StoreError
from pystator.result import ActionSpec
from pystator.stores import (
    ActionOutcome,
    ActionsStatus,
    EntityCache,
    EntityRecord,
    PlannedAction,
    TransitionCommit,
    TransitionRecord,
    check_entity_machine,
    codec,
    context_changes,
)

T0 = datetime(2030, 1, 1, tzinfo=UTC)


def record(entity_id: str = "e", version: int = 1, machine: str = "m", state: str = "a") -> EntityRecord:
    return EntityRecord(entity_id, machine, state, version, {}, T0)


def test_every_store_name_is_exported_from_pystator() -> None:
    for name in pystator.stores.__all__:
        if name[0].isupper() and name != "EntityCache":
            assert getattr(pystator, name) is getattr(pystator.stores, name), name
    assert pystator.InMemoryStateStore is pystator.stores.InMemoryStateStore


def test_context_changes_lists_added_removed_and_changed_keys() -> None:
    before = {"same": 1, "changed": 1, "removed": "x", "flag": 1}
    after = {"same": 1, "changed": 2, "added": [1], "flag": True}
    assert context_changes(before, after) == {
        "changed": {"before": 1, "after": 2},
        "removed": {"before": "x"},
        "added": {"after": [1]},
        "flag": {"before": 1, "after": True},  # 1 == True in Python, not in JSON
    }
    assert context_changes(after, after) == {}


def test_planned_action_from_spec_keeps_params_and_serialises_definitions() -> None:
    class Model:
        def model_dump(self, *, mode: str, exclude_none: bool) -> dict[str, object]:
            assert (mode, exclude_none) == ("json", True)
            return {"set": {"x": 1}}

    spec = ActionSpec("notify", {"to": "ops"}, phase="enter", state="open")
    assert PlannedAction.from_spec(spec) == PlannedAction("notify", {"to": "ops"}, "call", "enter", "open")
    effect = ActionSpec("set", kind="effect", definition=Model())
    assert PlannedAction.from_spec(effect).definition == {"set": {"x": 1}}
    with pytest.raises(TypeError, match="action 'bad'"):
        PlannedAction.from_spec(ActionSpec("bad", kind="effect", definition=object()))


def test_action_outcomes_from_results_and_the_overall_status() -> None:
    ok = ActionOutcome.from_result(ActionResult("a", ActionStatus.SUCCESS, duration_ms=2.0))
    failed = ActionOutcome.from_result(ActionResult("b", ActionStatus.FAILED, error=RuntimeError("boom")))
    skipped = ActionOutcome.from_result(ActionResult("c", ActionStatus.SKIPPED, reason="not registered"))
    assert (ok.status, ok.error, ok.duration_ms) == (ActionStatus.SUCCESS, None, 2.0)
    assert failed.error == "RuntimeError: boom"
    assert skipped.error == "not registered"
    assert ActionsStatus.from_outcomes([ok, skipped]) is ActionsStatus.DONE
    assert ActionsStatus.from_outcomes([ok, failed]) is ActionsStatus.FAILED
    assert ActionsStatus.from_outcomes([]) is ActionsStatus.DONE


def test_action_keys_are_stable_and_bounded() -> None:
    transition = TransitionRecord("e", "m", 3, "a", "b", "go", T0, actions=(PlannedAction("x"),))
    assert transition.action_key(0) == "m:e:3:0"
    with pytest.raises(IndexError, match="out of range"):
        transition.action_key(1)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("entity_id", 5, "entity_id"),
        ("machine", None, "machine"),
        ("to_state", "", "to_state"),
        ("trigger", 3, "trigger"),
        ("from_state", "", "from_state"),
        ("expected_version", True, "expected_version"),
        ("context", [1], "context"),
        ("actions", ("notify",), "actions"),
        ("idempotency_key", "", "idempotency_key"),
    ],
)
def test_transition_commit_names_the_bad_field(field: str, value: object, message: str) -> None:
    arguments: dict[str, object] = {
        "entity_id": "e",
        "machine": "m",
        "expected_version": None,
        "from_state": None,
        "to_state": "a",
        "trigger": "go",
    }
    arguments[field] = value
    with pytest.raises(ValueError, match=message):
        TransitionCommit(**arguments)  # type: ignore[arg-type]


def test_transition_commit_converts_and_refuses_as_its_checks_say() -> None:
    planned = TransitionCommit("e", "m", None, None, "a", "go", actions=[PlannedAction("x")])  # type: ignore[arg-type]
    assert planned.actions == (PlannedAction("x"),) and type(planned.actions) is tuple
    first, second = (TransitionCommit("e", "m", 1, "a", "b", "go") for _ in range(2))
    assert first.metadata == {} and first.metadata is not second.metadata
    assert first.context is not second.context and first.context_changes is not second.context_changes
    with pytest.raises(ValueError, match="timezone-aware"):
        TransitionCommit("e", "m", 1, "a", "b", "go", timestamp=datetime(2030, 1, 1))
    with pytest.raises(ValueError, match="tuple of PlannedAction"):
        TransitionCommit("e", "m", 1, "a", "b", "go", actions=("notify",))  # type: ignore[arg-type]


def test_a_transition_commit_subclass_runs_the_same_checks() -> None:
    class Sub(TransitionCommit):
        pass

    with pytest.raises(ValueError, match="entity_id"):
        Sub(5, "m", None, None, "a", "go")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        Sub("e", "m", 1, "a", "b", "go", timestamp=datetime(2030, 1, 1))
    sub = Sub("e", "m", None, None, "a", "go", actions=[PlannedAction("x")])  # type: ignore[arg-type]
    assert type(sub) is Sub and sub.actions == (PlannedAction("x"),)


def test_decoding_a_corrupted_column_names_entity_and_column() -> None:
    with pytest.raises(StoreError) as not_json:
        codec.decode_object("{oops", entity_id="e1", column="context")
    assert not_json.value.context == {"entity_id": "e1", "column": "context"}
    with pytest.raises(StoreError, match="expected a JSON object"):
        codec.decode_object("[1]", entity_id="e1", column="context")
    with pytest.raises(StoreError, match="version"):
        codec.entity_from_columns(
            "e1", machine="m", state="a", version="x", context="{}", updated_at=T0, metadata="{}"
        )
    with pytest.raises(StoreError, match="timezone"):
        codec.decode_timestamp("2030-01-01T00:00:00", entity_id="e1", column="updated_at")


def test_a_circular_context_is_refused() -> None:
    loop: dict[str, object] = {}
    loop["self"] = loop
    with pytest.raises(StoreError) as refused:
        codec.encode_json(loop, field="context")
    assert refused.value.code is ErrorCode.VALIDATION_FAILED


def test_check_entity_machine() -> None:
    assert check_entity_machine(record(machine=""), "orders").machine == ""
    assert check_entity_machine(record(machine="orders"), "orders").machine == "orders"
    with pytest.raises(StoreError) as conflict:
        check_entity_machine(record(machine="orders"), "invoices")
    assert conflict.value.code is ErrorCode.CONFLICT


def test_entity_cache_is_a_bounded_lru_that_keeps_the_newest_version() -> None:
    cache = EntityCache(max_entries=2)
    cache.put(record("a", 1))
    cache.put(record("b", 1))
    assert cache.get("a") is not None  # "a" is now the most recent
    cache.put(record("c", 1))
    assert "b" not in cache
    assert {"a", "c"} == {eid for eid in ("a", "b", "c") if eid in cache}
    cache.put(record("a", 3))
    cache.put(record("a", 2))  # an older record never replaces a newer one
    assert cache.get("a") == record("a", 3)
    cache.discard("a")
    assert cache.get("a") is None
    cache.clear()
    assert len(cache) == 0
    with pytest.raises(ValueError, match="max_entries"):
        EntityCache(0)


def test_a_context_nested_beyond_the_encoder_is_refused() -> None:
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    with pytest.raises(StoreError, match="context"):
        codec.encode_json({"deep": deep}, field="context")
