"""SCXML and XState round trips: every example machine (examples/*.yaml and the engine fixtures in
the supported subset) exported and imported again is the same machine: same states, same
transitions, and the same ``process`` results along every generated path."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pystator import StateMachine
from pystator.analysis import explore
from pystator.interchange import from_scxml, from_xstate, to_scxml, to_xstate
from pystator.result import TransitionResult

ROOT = Path(__file__).resolve().parents[4]
ENGINE_FIXTURES = ROOT / "packages" / "pystator-core" / "tests" / "engine" / "fixtures"
# Left out: when-routing (classified) and context validation (validated) lie outside the subset;
# order_with_submachines needs its submachine files (flattened, it is what checkout covers).
INTERCHANGE_FIXTURES = [
    "checkout.yaml",
    "hierarchy.yaml",
    "history.yaml",
    "nested_parallel.yaml",
    "order.yaml",
    "parallel.yaml",
    "routing_choice.yaml",
    "timers.yaml",
]
FILES = sorted((ROOT / "examples").glob("*.yaml")) + [ENGINE_FIXTURES / name for name in INTERCHANGE_FIXTURES]
PAYLOADS = {"submit": [{"amount": 50}, {"amount": 500}, {"amount": 50_000}], "strict": [{"amount": 5}]}


def _scxml(machine: StateMachine) -> StateMachine:
    return from_scxml(to_scxml(machine))


def _xstate(machine: StateMachine) -> StateMachine:
    return from_xstate(json.dumps(to_xstate(machine)))


FORMATS: dict[str, Callable[[StateMachine], StateMachine]] = {"scxml": _scxml, "xstate": _xstate}


def _observable(result: TransitionResult) -> tuple[Any, ...]:
    return (
        result.success,
        result.target_state,
        result.metadata.get("reason"),
        tuple(spec.name for spec in result.all_action_specs),
        tuple((t.timer_id, t.trigger, t.delay_ms) for t in result.timers_to_start),
        result.timers_to_cancel,
        dict(result.history_updates),
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("path", FILES, ids=lambda p: Path(p).name)
def test_round_trip_gives_back_an_equivalent_machine(path: Path, fmt: str) -> None:
    original = StateMachine.from_yaml(path)
    copy = FORMATS[fmt](original)
    assert copy.state_names == original.state_names
    assert copy.initial_state == original.initial_state
    assert [(t.trigger, t.source, t.dest, t.guards, t.after_ms, t.auto) for t in copy.transitions] == [
        (t.trigger, t.source, t.dest, t.guards, t.after_ms, t.auto) for t in original.transitions
    ]
    assert copy.config == original.config
    context = {"vip": True}
    steps = 0
    for path_taken, result in explore(original, context=context, events=PAYLOADS):
        state, current = path_taken.initial, dict(context)
        for step in path_taken.steps[:-1]:
            current = {**current, "_history": {**current.get("_history", {})}}
            replayed = original.process(state, step.event(), current)
            current["_history"].update(replayed.history_updates)
            state = step.target
        last = path_taken.steps[-1]
        expected = original.process(state, last.event(), current)
        assert _observable(expected) == _observable(result)
        assert _observable(copy.process(state, last.event(), current)) == _observable(expected), str(
            path_taken
        )
        steps += 1
    assert steps > 0


def test_scxml_document_uses_w3c_elements() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "timers.yaml")
    document = to_scxml(machine)
    assert document.startswith('<scxml xmlns="http://www.w3.org/2005/07/scxml"')
    assert '<send event="after.working.500" delay="500ms" id="after.working.500" />' in document
    assert '<cancel sendid="after.working.500" />' in document
    assert '<transition pystator:index="2" event="after.working.500" target="waiting" />' in document
    assert '<final id="expired"' in document
    history = to_scxml(StateMachine.from_yaml(ENGINE_FIXTURES / "history.yaml"))
    assert '<history id="on.history_deep" type="deep" />' in history
    assert 'target="on.history"' in history


def test_plain_scxml_without_pystator_attributes() -> None:
    machine = from_scxml(
        """<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" initial="idle" name="door">
             <state id="idle">
               <onentry><send event="ping" delay="2s"/></onentry>
               <transition event="open" target="opened" cond="force > 3"/>
               <transition event="ping" target="opened"/>
             </state>
             <state id="opened"><transition target="idle"/></state>
           </scxml>"""
    )
    assert machine.name == "door"
    assert machine.initial_state == "idle"
    assert machine.process("idle", "open", {"force": 5}).target_state == "idle"  # eventless back
    assert machine.process("idle", "open", {"force": 1}).metadata["reason"] == "guard_rejected"
    assert [t.trigger for t in machine.transitions] == ["open", "ping", None]


def test_xstate_export_shape() -> None:
    machine = StateMachine.from_yaml(ENGINE_FIXTURES / "routing_choice.yaml")
    exported = to_xstate(machine)
    assert exported["id"] == "payments"
    assert exported["initial"] == "new"
    route = exported["states"]["route"]
    assert [t["target"] for t in route["always"]] == ["#small", "#large", "#review"]
    assert route["always"][0]["guard"] == {"type": "expr", "params": {"expr": "amount < 100"}}
    parallel = to_xstate(StateMachine.from_yaml(ENGINE_FIXTURES / "parallel.yaml"))["states"]["trading"]
    assert parallel["type"] == "parallel"
    assert set(parallel["states"]) == {"orders", "risk"}
    timers = to_xstate(StateMachine.from_yaml(ENGINE_FIXTURES / "timers.yaml"))["states"]
    assert set(timers["open"]["after"]) == {"5000"}
    assert timers["pending"]["after"]["30000"][0]["target"] == "#expired"


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?><!DOCTYPE scxml [<!ENTITY a "aaaa">]><scxml xmlns="http://www.w3.org/2005/07/scxml"/>',
        '<!DOCTYPE scxml SYSTEM "file:///etc/passwd"><scxml xmlns="http://www.w3.org/2005/07/scxml"/>',
    ],
)
def test_scxml_with_a_dtd_is_refused(document: str) -> None:
    from pystator.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="DTD or entity declaration is not accepted"):
        from_scxml(document)


def test_bad_documents_name_the_problem() -> None:
    from pystator.errors import ConfigurationError

    with pytest.raises(ConfigurationError, match="not well-formed"):
        from_scxml("<scxml")
    with pytest.raises(ConfigurationError, match="expected <scxml>"):
        from_scxml("<machine/>")
    with pytest.raises(ConfigurationError, match="delay='soon'"):
        from_scxml(
            '<scxml xmlns="http://www.w3.org/2005/07/scxml"><state id="a">'
            '<onentry><send event="x" delay="soon"/></onentry></state></scxml>'
        )
    with pytest.raises(ConfigurationError, match="xstate: not valid JSON"):
        from_xstate("{")
    with pytest.raises(ConfigurationError, match=r"xstate: states\.a: expected a state node object"):
        from_xstate({"states": {"a": 3}})
