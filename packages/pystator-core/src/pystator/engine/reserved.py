"""Reserved names: the context keys the engine reads and the triggers it generates.

- ``ctx["_event"]``: the ``Event`` being processed, when one was passed instead of a trigger string.
- ``ctx["_history"]``: the history records (``{state: recorded configuration}``) the caller keeps
  for ``H()`` / ``H*()`` targets; ``TransitionResult.history_updates`` says what to merge into it.
- ``__after__:<state>:<ms>``: the event a delayed (``after:``) transition's timer sends back.
- ``__timeout__:<state>``: the event a state ``timeout:`` sends back.
- ``done_state_<state>``: the completion event raised when every region of a parallel state rests in
  its ``final`` state (a join); write it as an ordinary trigger.

Timer triggers contain ``:``, which a state or trigger name never does, so they never collide with
user triggers.
"""

from __future__ import annotations

__all__ = [
    "AFTER_PREFIX",
    "EVENT_KEY",
    "HISTORY_KEY",
    "TIMEOUT_PREFIX",
    "after_trigger",
    "completion_trigger",
    "is_timer_trigger",
    "timeout_trigger",
]

EVENT_KEY = "_event"
HISTORY_KEY = "_history"
AFTER_PREFIX = "__after__:"
TIMEOUT_PREFIX = "__timeout__:"


def after_trigger(state: str, delay_ms: int) -> str:
    return f"{AFTER_PREFIX}{state}:{delay_ms}"


def timeout_trigger(state: str) -> str:
    return f"{TIMEOUT_PREFIX}{state}"


def completion_trigger(state: str) -> str:
    return f"done_state_{state}"


def is_timer_trigger(trigger: str) -> bool:
    return trigger.startswith(AFTER_PREFIX) or trigger.startswith(TIMEOUT_PREFIX)
