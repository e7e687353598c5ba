"""The memo shortcut for pure guards (``Kernel.quick``, one precompiled test per transition, the
caller's dict read directly) answers exactly as the full algorithm does, for every context: the same
result, the same guard rejection, the same error."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pystator import StateMachine, TransitionResult
from pystator.engine.call import Trace
from pystator.engine.drivers import drive_sync

GUARDED = [
    {"trigger": "go", "source": "a", "dest": "b", "guards": [{"expr": "qty >= limit"}, {"expr": "ok"}]},
    {
        "trigger": "go",
        "source": "a",
        "dest": "c",
        "guards": [
            {"allOf": [{"expr": "qty * 2 > limit"}, {"not": {"check": {"field": "flag", "op": "is_null"}}}]}
        ],
    },
    {
        "trigger": "go",
        "source": "a",
        "dest": "d",
        "guards": [
            {"anyOf": [{"check": {"field": "order.tier", "op": "eq", "value": "gold"}}, {"expr": "flag"}]}
        ],
    },
    {
        "trigger": "go",
        "source": "a",
        "dest": "e",
        "guards": [{"expr": "0 < qty <= limit and order.tier != 'x'"}],
    },
]


class Truthless:
    def __init__(self, error: type[Exception]) -> None:
        self.error = error

    def __bool__(self) -> bool:
        raise self.error("no truth value")


class Plain(Mapping[str, Any]):
    """A mapping that is not a dict."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)


def _machine() -> StateMachine:
    states = [{"name": "a", "type": "initial"}, *({"name": n} for n in "bcde")]
    return StateMachine.from_dict({"states": states, "transitions": GUARDED})


MACHINE = _machine()

VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-3, 3),
    st.sampled_from(["", "x", "gold"]),
    st.sampled_from([Truthless(ValueError), Truthless(TypeError)]),
)
CONTEXTS = st.fixed_dictionaries(
    {},
    optional={
        "qty": VALUES,
        "limit": VALUES,
        "ok": VALUES,
        "flag": VALUES,
        "order": st.one_of(VALUES, st.fixed_dictionaries({}, optional={"tier": VALUES})),
    },
)


def _outcome(run: Any) -> tuple[Any, ...]:
    try:
        result = run()
    except Exception as exc:
        return ("raised", type(exc), str(exc))
    error = result.error
    return (
        result.success,
        result.target_state,
        dict(result.metadata),
        type(error),
        str(error) if error is not None else None,
    )


def _full(context: Any) -> tuple[Any, ...]:
    """The full algorithm: with a trace, the kernel bypasses every memo and shortcut."""

    def run() -> TransitionResult:
        outcome = MACHINE._kernel.start("a", "go", context, Trace())
        return outcome if isinstance(outcome, TransitionResult) else drive_sync(outcome)

    return _outcome(run)


@settings(max_examples=600, deadline=None)
@given(CONTEXTS, st.sampled_from(["dict", "proxy", "mapping"]))
def test_shortcut_agrees_with_the_full_algorithm(data: dict[str, Any], kind: str) -> None:
    context: Any = {"dict": dict, "proxy": MappingProxyType, "mapping": Plain}[kind](data)
    expected = _full(context)
    for _ in range(2):  # the first call may fill the memo the second one reads
        assert _outcome(lambda: MACHINE.process("a", "go", context)) == expected


@pytest.mark.parametrize(
    ("context", "target"),
    [
        ({"qty": 5, "limit": 5, "ok": True}, "b"),
        ({"qty": 5, "limit": 5, "ok": False, "flag": 1}, "c"),
        ({"qty": 1, "limit": 5, "order": {"tier": "gold"}}, "d"),
        ({"qty": 1, "limit": 5, "order": {"tier": "silver"}}, "e"),
        (None, None),
    ],
)
def test_shortcut_picks_the_first_enabled_candidate(context: Any, target: str | None) -> None:
    machine = _machine()
    for _ in range(3):
        result = machine.process("a", "go", context)
        assert result.target_state == target
        assert result.success is (target is not None)


def test_truthless_guard_value_escapes_from_process_as_before() -> None:
    machine = _machine()
    context = {"qty": 5, "limit": 5, "ok": Truthless(ValueError)}
    for _ in range(2):
        with pytest.raises(ValueError, match="no truth value"):
            machine.process("a", "go", context)


def test_non_mapping_context_is_refused_as_before() -> None:
    machine = _machine()
    machine.process("a", "go", {"qty": 5, "limit": 5, "ok": True})
    with pytest.raises(TypeError):
        machine.process("a", "go", [("qty", 5)])  # type: ignore[arg-type]
