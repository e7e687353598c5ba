"""Compare two versions of a machine: what disappears, what changes, which entities are stranded."""

from __future__ import annotations

from collections.abc import Mapping

from pystator.machine import StateMachine
from pystator_api.models import CompatibilityReport

__all__ = ["compare"]


def _transitions(machine: StateMachine) -> set[str]:
    out: set[str] = set()
    for t in machine.transitions:
        for source in sorted(t.source):
            out.add(f"{source} --{t.trigger}--> {t.dest}")
    return out


def _stored_leaf(state: str) -> str:
    return state


def compare(
    machine_id: str,
    current_version: int,
    current: StateMachine,
    proposed: StateMachine,
    counts_by_state: Mapping[str, int],
) -> CompatibilityReport:
    old_states, new_states = set(current.state_names), set(proposed.state_names)
    old_triggers, new_triggers = set(current.triggers), set(proposed.triggers)
    removed_states = sorted(old_states - new_states)
    changed = sorted(_transitions(current) - _transitions(proposed))
    stranded: dict[str, int] = {}
    for state, count in counts_by_state.items():
        if any(active not in new_states for active in _active(current, state)):
            stranded[state] = count
    report = CompatibilityReport(
        machine_id=machine_id,
        current_version=current_version,
        compatible=not removed_states and not (old_triggers - new_triggers) and not changed,
        removed_states=removed_states,
        added_states=sorted(new_states - old_states),
        removed_triggers=sorted(old_triggers - new_triggers),
        added_triggers=sorted(new_triggers - old_triggers),
        changed_transitions=changed,
        initial_state_changed=current.initial_state != proposed.initial_state,
        stranded_entities=sum(stranded.values()),
        stranded_by_state=stranded,
    )
    return report


def _active(machine: StateMachine, stored_state: str) -> list[str]:
    try:
        return machine.active_states(stored_state) or [stored_state]
    except Exception:
        return [stored_state]
