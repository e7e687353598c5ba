"""``TransitionResult``: what ``process()`` returns, a frozen value describing one transition.

Actions are planned here as data (``ActionSpec``) in run order; running them is someone else's job
(``ActionExecutor``, ``EntitySession``, ``Orchestrator``). Timers are planned the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from pystator.errors import FSMError

__all__ = ["ActionSpec", "TimerSpec", "TransitionResult"]


ActionKind = Literal["call", "custom", "effect", "http", "code", "branch"]


@dataclass(frozen=True, slots=True)
class ActionSpec:
    """One planned action.

    ``kind`` is ``"call"`` for a registered action referenced by name (``custom`` for one marked as
    coming from a registry catalog); other kinds are config-borne entries whose full contract model
    is ``definition`` (an effect such as ``set``, an ``http`` call, a ``code`` snippet, a ``branch``).
    """

    name: str
    params: Mapping[str, Any] = field(default_factory=dict)
    kind: ActionKind = "call"
    definition: Any = None
    phase: Literal["exit", "transition", "enter"] = "transition"
    state: str | None = None


@dataclass(frozen=True, slots=True)
class TimerSpec:
    """A delayed transition or state timeout to arm when ``state`` is entered.

    ``timer_id`` is deterministic within the machine (same state, same transition, same id), so
    scheduling the same timer twice is recognisable; ``trigger`` is the event the timer sends back.
    """

    timer_id: str
    state: str
    delay_ms: int
    trigger: str
    kind: Literal["after", "timeout"] = "after"
    destination: str | None = None


@dataclass(frozen=True, slots=True)
class TransitionResult:
    """The outcome of one ``process()`` call.

    ``target_state`` is None on failure. ``metadata`` carries ``reason`` on failure (and
    ``guard_name`` / ``guards_failed`` for a guard rejection, ``no_op`` for a lenient no-op).
    ``timers_to_cancel`` names the states exited whose timers must be cancelled (cancel them before
    starting ``timers_to_start``); ``history_updates`` holds the history records this transition wrote
    (merge them into ``context["_history"]``, see ``pystator.engine.history``).
    """

    success: bool
    source_state: str
    target_state: str | None
    trigger: str
    on_exit_actions: tuple[ActionSpec, ...] = ()
    actions_to_execute: tuple[ActionSpec, ...] = ()
    on_enter_actions: tuple[ActionSpec, ...] = ()
    error: FSMError | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    timers_to_start: tuple[TimerSpec, ...] = ()
    timers_to_cancel: tuple[str, ...] = ()
    history_updates: Mapping[str, str] = field(default_factory=dict)

    @property
    def all_action_specs(self) -> tuple[ActionSpec, ...]:
        return self.on_exit_actions + self.actions_to_execute + self.on_enter_actions

    @property
    def all_actions(self) -> tuple[str, ...]:
        """Action names in run order: exit, then transition, then enter."""
        return tuple(spec.name for spec in self.all_action_specs)

    @property
    def state_changed(self) -> bool:
        return self.success and self.target_state is not None and self.target_state != self.source_state

    @property
    def is_self_transition(self) -> bool:
        return (
            self.success and self.target_state == self.source_state and not self.metadata.get("no_op", False)
        )

    @property
    def is_no_op(self) -> bool:
        return bool(self.metadata.get("no_op", False))
