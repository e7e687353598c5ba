"""The engine's hot path: ``StateMachine.process`` per call, and loading a large machine.

Targets (issue 4): flat process <= 1.0 us, with an ``expr:`` guard <= 2.0 us, a hierarchical exit
<= 1.5 us, a parallel region event <= 3 us, the same cost for 10 and 5,000 states, and a
2,000-state machine loaded in under 30 ms. Each figure is compared with a minimal dict-lookup
transition (``table[(state, trigger)]``) measured in the same run.

Results the engine may memoise (they depend on nothing but the inputs) are memoised after the first
call, as in production; the "first time" figures clear the memo tables before every call. A state's
candidate table is arranged the first time an event reaches that state (loading resolves and checks
everything else): "first event in a state" is that cost, on a freshly loaded machine.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from _figures import Figure, per_call_us

from pystator import StateMachine
from pystator.engine.loading import gc_paused


def chain(size: int, *, guard: Any = None) -> dict[str, Any]:
    """``size`` states s0 -> s1 -> ... on ``next``, plus a ``cancel`` from every state."""
    states: list[dict[str, Any]] = [{"name": "s0", "type": "initial"}]
    states += [{"name": f"s{i}"} for i in range(1, size - 1)]
    states.append({"name": "cancelled", "type": "terminal"})
    transitions: list[dict[str, Any]] = []
    for i in range(size - 2):
        entry: dict[str, Any] = {"trigger": "next", "source": f"s{i}", "dest": f"s{i + 1}"}
        if guard is not None:
            entry["guards"] = [guard]
        transitions.append(entry)
        transitions.append({"trigger": "cancel", "source": f"s{i}", "dest": "cancelled"})
    return {
        "meta": {"machine_name": f"chain_{size}", "version": "1.0.0"},
        "states": states,
        "transitions": transitions,
    }


def hierarchy() -> StateMachine:
    return StateMachine.from_dict(
        {
            "states": [
                {"name": "top", "type": "initial", "initial_child": "mid", "on_exit": ["bye_top"]},
                {"name": "mid", "parent": "top", "initial_child": "leaf", "on_exit": ["bye_mid"]},
                {"name": "leaf", "parent": "mid", "on_exit": ["bye_leaf"]},
                {"name": "other", "on_enter": ["hello"]},
            ],
            "transitions": [{"trigger": "leave", "source": "top", "dest": "other", "actions": ["log"]}],
        }
    )


def parallel() -> StateMachine:
    regions = [{"name": f"r{i}", "initial": f"r{i}_a", "states": [f"r{i}_a", f"r{i}_b"]} for i in range(3)]
    states: list[dict[str, Any]] = [
        {"name": "off", "type": "initial"},
        {"name": "on", "type": "parallel", "regions": regions},
    ]
    states += [{"name": f"r{i}_{x}"} for i in range(3) for x in "ab"]
    transitions = [{"trigger": "connect", "source": "off", "dest": "on"}]
    transitions += [{"trigger": "flip", "source": "r1_a", "dest": "r1_b"}]
    return StateMachine.from_dict({"states": states, "transitions": transitions})


def _timed_ms(fn: Any, runs: int = 9) -> tuple[float, float]:
    """(best, median) wall time of ``fn()`` in milliseconds over ``runs`` runs."""
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - started) * 1000)
    return min(samples), statistics.median(samples)


def load_figures(size: int) -> list[Figure]:
    """Loading a machine end to end, and its two halves: validation (pystator.config) and compile.

    The best of 9 runs is the figure (the median is in the note): on a shared machine the median
    mostly measures the neighbours.
    """
    from pystator.config import parse_machine_config

    data = chain(size)
    config = parse_machine_config(data)
    total = _timed_ms(lambda: StateMachine.from_dict(data))
    with gc_paused():
        validation = _timed_ms(lambda: parse_machine_config(data))
    compile_only = _timed_ms(lambda: StateMachine(config))
    return [
        Figure(
            f"load a {size:,}-state machine: from_dict (best of 9)",
            total[0],
            "ms",
            "< 30 ms",
            f"median {total[1]:.1f} ms",
        ),
        Figure(
            "  of which validation + normalisation (pystator.config)",
            validation[0],
            "ms",
            "",
            f"median {validation[1]:.1f} ms",
        ),
        Figure(
            "  of which compile (StateMachine(config))",
            compile_only[0],
            "ms",
            "",
            f"median {compile_only[1]:.1f} ms",
        ),
    ]


def _first_time(machine: StateMachine, state: str, trigger: str, ctx: Any) -> float:
    """Per-call cost with every memo dropped before each call (the cost of forgetting subtracted)."""
    forget = machine._kernel.forget

    def cold() -> object:
        forget()
        return machine.process(state, trigger, ctx)

    return per_call_us(cold, calls=20_000) - per_call_us(forget, calls=20_000)


def _first_event_in_state(size: int) -> float:
    """Per-call cost of the first event each state of a freshly loaded machine receives (its
    candidate table arranged, nothing memoised yet), over every state of the chain."""
    machine = StateMachine.from_dict(chain(size))
    names = [f"s{i}" for i in range(size - 2)]
    started = time.perf_counter()
    for name in names:
        machine.process(name, "next")
    return (time.perf_counter() - started) * 1e6 / len(names)


def run() -> list[Figure]:
    ctx = {"fill_qty": 100, "order_qty": 100}
    table = {(f"s{i}", "next"): f"s{i + 1}" for i in range(10)}
    baseline = per_call_us(lambda: table[("s3", "next")])

    small = StateMachine.from_dict(chain(10))
    large = StateMachine.from_dict(chain(5000))
    guarded = StateMachine.from_dict(chain(10, guard={"expr": "fill_qty >= order_qty"}))
    deep = hierarchy()
    desk = parallel()
    config = str(desk.enter_parallel_state("on"))

    flat_small = per_call_us(lambda: small.process("s3", "next", ctx))
    flat_large = per_call_us(lambda: large.process("s2500", "next", ctx))
    expr = per_call_us(lambda: guarded.process("s3", "next", ctx))
    exit_ = per_call_us(lambda: deep.process("leaf", "leave", ctx))
    region = per_call_us(lambda: desk.process(config, "flip", ctx))

    flat_cold = _first_time(small, "s3", "next", ctx)
    first_event = _first_event_in_state(2000)
    region_cold = _first_time(desk, config, "flip", ctx)

    def ratio(value: float) -> str:
        return f"{value / baseline:.0f}x the dict lookup"

    return [
        Figure("dict-lookup transition table[(state, trigger)] (baseline)", baseline, "us"),
        Figure("flat process, 10 states", flat_small, "us", "<= 1.0 us", ratio(flat_small)),
        Figure("flat process, 5,000 states", flat_large, "us", "<= 1.0 us", ratio(flat_large)),
        Figure("flat process, first time (memo cleared)", flat_cold, "us", "", ratio(flat_cold)),
        Figure(
            "flat process, first event in a state (table arranged)", first_event, "us", "", ratio(first_event)
        ),
        Figure("flat process with an expr: guard", expr, "us", "<= 2.0 us", ratio(expr)),
        Figure("hierarchical exit (leaf two levels deep)", exit_, "us", "<= 1.5 us", ratio(exit_)),
        Figure("parallel region event (3 regions)", region, "us", "<= 3 us", ratio(region)),
        Figure("parallel region event, first time (memo cleared)", region_cold, "us", "", ratio(region_cold)),
        *load_figures(2000),
    ]
