"""Determinism of ``check:`` guards: overlapping pairs with witness values the engine confirms,
unsatisfiable and shadowed transitions, groups left unanalysed."""

from __future__ import annotations

from typing import Any

import pytest

from pystator import StateMachine
from pystator.analysis import analyse_determinism


def _check(field: str, op: str, value: Any = None, values: list[Any] | None = None) -> dict[str, Any]:
    check: dict[str, Any] = {"field": field, "op": op}
    if values is not None:
        check["values"] = values
    elif op not in {"is_set", "is_null"}:
        check["value"] = value
    return {"check": check}


def _machine(*transitions: dict[str, Any]) -> StateMachine:
    states = ["small", "big", "vip", "never", "other"]
    return StateMachine.from_dict(
        {
            "states": [{"name": "open", "type": "initial"}, *({"name": s} for s in states)],
            "transitions": list(transitions),
        }
    )


def _without(machine: StateMachine, index: int) -> StateMachine:
    """The machine with one transition removed: what the later transition does on its own."""
    data = machine.config.model_dump(mode="json", exclude_none=True, by_alias=True)
    del data["transitions"][index]
    return StateMachine.from_dict(data)


def _fill(dest: str, *guards: dict[str, Any], trigger: str = "fill") -> dict[str, Any]:
    return {"trigger": trigger, "source": "open", "dest": dest, "guards": list(guards)}


def test_overlapping_ranges_with_a_witness_the_engine_confirms() -> None:
    machine = _machine(_fill("small", _check("qty", "lt", 10)), _fill("big", _check("qty", "gte", 5)))
    report = analyse_determinism(machine)
    [overlap] = report.overlaps
    assert (overlap.source, overlap.event, overlap.first, overlap.second) == ("open", "fill", 0, 1)
    assert overlap.witness == {"qty": 5}
    assert machine.process("open", "fill", overlap.context).target_state == "small"  # the first wins ...
    assert (
        _without(machine, 0).process("open", "fill", overlap.context).target_state == "big"
    )  # ... over a pass
    assert report.dead == []
    assert not report.deterministic


def test_disjoint_ranges_are_deterministic() -> None:
    machine = _machine(
        _fill("small", _check("qty", "lt", 10)),
        _fill("big", _check("qty", "gte", 10)),
        _fill("other", _check("qty", "is_null")),
    )
    report = analyse_determinism(machine)
    assert report.overlaps == [] and report.dead == [] and report.deterministic


def test_unsatisfiable_guards_never_fire() -> None:
    machine = _machine(_fill("never", _check("qty", "gt", 100), _check("qty", "lt", 50)))
    [dead] = analyse_determinism(machine).dead
    assert (dead.index, dead.reason, dead.shadowed_by) == (0, "unsatisfiable", ())


def test_shadowed_transition_and_nested_fields() -> None:
    machine = _machine(
        _fill("small", _check("qty", "lt", 10)),
        _fill("big", _check("qty", "gte", 5)),
        _fill("vip", _check("customer.tier", "in", values=["gold", "platinum"]), _check("qty", "gt", 1)),
    )
    report = analyse_determinism(machine)
    vip = next(o for o in report.overlaps if o.second == 2)
    assert vip.witness["customer.tier"] == "gold"
    assert vip.context["customer"] == {"tier": "gold"}
    alone = _without(_without(machine, 1), 0)
    assert alone.process("open", "fill", vip.context).target_state == "vip"
    [dead] = report.dead
    assert (dead.index, dead.reason, dead.shadowed_by) == (2, "shadowed", (0, 1))


def test_an_unguarded_transition_shadows_what_follows() -> None:
    machine = _machine(_fill("other"), _fill("small", {"not": _check("flag", "eq", True)}))
    report = analyse_determinism(machine)
    assert [(d.index, d.reason) for d in report.dead] == [(1, "shadowed")]
    assert report.overlaps[0].witness in ({}, {"flag": False})


def test_composites_are_analysed() -> None:
    machine = _machine(
        _fill("small", {"anyOf": [_check("a", "eq", "x"), _check("b", "eq", 1)]}),
        _fill("big", {"allOf": [_check("a", "neq", "x"), _check("b", "neq", 1)]}),
    )
    report = analyse_determinism(machine)
    assert report.deterministic


def test_eventless_and_timer_groups() -> None:
    machine = StateMachine.from_dict(
        {
            "states": [{"name": "route", "type": "initial"}, {"name": "a"}, {"name": "b"}],
            "transitions": [
                {"auto": True, "source": "route", "dest": "a", "guards": [_check("n", "gt", 1)]},
                {"auto": True, "source": "route", "dest": "b", "guards": [_check("n", "gt", 2)]},
            ],
        }
    )
    report = analyse_determinism(machine)
    [dead] = report.dead
    assert (dead.event, dead.index, dead.reason) == ("(eventless)", 1, "shadowed")


def test_expressions_and_names_are_skipped() -> None:
    machine = _machine(
        _fill("small", {"expr": "qty > 1"}),
        _fill("big", _check("qty", "gt", 1)),
        _fill("vip", "is_vip", trigger="upgrade"),
    )
    report = analyse_determinism(machine)
    assert [(s.event, s.transitions) for s in report.skipped] == [("fill", (0, 1)), ("upgrade", (2,))]
    assert "expression" in report.skipped[0].reason
    assert "registered name" in report.skipped[1].reason


def test_too_many_combinations_are_skipped() -> None:
    guards = [_check(f"f{i}", "in", values=list(range(8))) for i in range(6)]
    machine = _machine(_fill("small", *guards))
    [skipped] = analyse_determinism(machine, max_combinations=1000).skipped
    assert "max_combinations=1000" in skipped.reason


@pytest.mark.parametrize("op", ["eq", "neq", "gt", "gte", "lt", "lte"])
def test_each_comparison_splits_at_its_constant(op: str) -> None:
    machine = _machine(_fill("small", _check("x", op, 3)), _fill("big", {"not": _check("x", op, 3)}))
    report = analyse_determinism(machine)
    assert report.overlaps == [] and report.dead == []
