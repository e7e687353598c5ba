"""Generated members: ``is_<state>`` properties and ``<trigger>(**payload)`` methods per machine.

``session_class(machine)`` builds (once per machine, cached weakly) a subclass of the session class
whose class namespace holds one property per state and one method per trigger, so that they show in
``dir()``, ``help()`` and tab completion, and cost a normal attribute lookup. Names that are not
usable as attributes (keywords, not identifiers, starting with ``_``) or that would shadow a
built-in member of ``EntitySession`` (a state ``final`` next to ``is_final``, a trigger ``send``)
are not generated: use ``session.is_in(state)`` / ``session.send(trigger)`` for those.
"""

from __future__ import annotations

import keyword
import re
import threading
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from pystator.machine import StateMachine
    from pystator.result import TransitionResult
    from pystator.session.core import EntitySession

S = TypeVar("S", bound="EntitySession")

__all__ = ["generated_state_members", "generated_trigger_members", "session_class", "session_class_name"]

_CLASSES: weakref.WeakKeyDictionary[StateMachine, dict[type[Any], type[Any]]] = weakref.WeakKeyDictionary()
_CLASSES_LOCK = threading.Lock()


def session_class_name(machine: StateMachine) -> str:
    """``order_management`` -> ``OrderManagementSession`` (the name the generated class gets);
    any run of characters other than ASCII letters and digits separates words."""
    label = "".join(
        part.capitalize() for part in re.split(r"[^0-9A-Za-z]+", machine.name or "machine") if part
    )
    if not label or not label[0].isalpha():
        label = f"Machine{label}"
    return f"{label}Session"


def _usable(name: str, reserved: frozenset[str]) -> bool:
    return (
        name.isidentifier()
        and not keyword.iskeyword(name)
        and not name.startswith("_")
        and name not in reserved
    )


def _reserved(base: type[EntitySession]) -> frozenset[str]:
    return frozenset(dir(base))


def generated_state_members(machine: StateMachine, base: type[EntitySession]) -> dict[str, str]:
    """``{attribute name: state name}`` for the ``is_<state>`` properties a session gets."""
    reserved = _reserved(base)
    members = {f"is_{state}": state for state in machine.state_names}
    return {attr: state for attr, state in members.items() if _usable(attr, reserved)}


def generated_trigger_members(machine: StateMachine, base: type[EntitySession]) -> list[str]:
    """The triggers that become methods of a session (in definition order)."""
    reserved = _reserved(base) | set(generated_state_members(machine, base))
    return [trigger for trigger in machine.triggers if _usable(trigger, reserved)]


def session_class(machine: StateMachine, base: type[S]) -> type[S]:
    """The subclass of ``base`` with the generated members of ``machine`` (built once, cached)."""
    if base.__dict__.get("_pystator_generated", False):
        return base
    with _CLASSES_LOCK:
        per_base = _CLASSES.setdefault(machine, {})
        known = per_base.get(base)
        if known is not None:
            return known
        namespace: dict[str, Any] = {"__slots__": (), "_pystator_generated": True}
        for attr, state in generated_state_members(machine, base).items():
            namespace[attr] = _state_property(state)
        for trigger in generated_trigger_members(machine, base):
            namespace[trigger] = _trigger_method(trigger)
        name = session_class_name(machine)
        created = type(name, (base,), namespace)
        created.__qualname__ = name
        created.__module__ = base.__module__
        if base.__module__ == "pystator.session.core":
            created.__module__ = "pystator.session"
        per_base[base] = created
        return created


def _state_property(state: str) -> property:
    def getter(self: EntitySession) -> bool:
        return self.is_in(state)

    getter.__name__ = f"is_{state}"
    getter.__doc__ = f"True while state {state!r} is active (itself, or one of its descendants)."
    return property(getter)


def _trigger_method(trigger: str) -> Callable[..., TransitionResult]:
    def method(self: EntitySession, **payload: Any) -> TransitionResult:
        return self.send(trigger, **payload)

    method.__name__ = trigger
    method.__qualname__ = trigger
    method.__doc__ = (
        f"Send {trigger!r} with ``payload`` merged into the context (same as ``send({trigger!r}, ...)``)."
    )
    return method
