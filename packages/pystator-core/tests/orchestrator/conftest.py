"""Machine definitions shared by the Orchestrator tests, handed out by the ``configs`` fixture."""

from __future__ import annotations

import copy
from typing import Any

import pytest

ORDER: dict[str, Any] = {
    "meta": {"version": "1.0.0", "machine_name": "order_management", "strict_mode": True},
    "states": [
        {"name": "pending", "type": "initial"},
        {"name": "open", "type": "stable"},
        {"name": "filled", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "exchange_ack", "source": "pending", "dest": "open", "actions": ["notify"]},
        {"trigger": "fill", "source": "open", "dest": "filled", "guards": ["is_full_fill"]},
        {
            "trigger": "touch",
            "source": "open",
            "dest": "open",
            "actions": ["notify", {"increment": "touches"}],
        },
    ],
}

COUNTER: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "counter"},
    "states": [{"name": "on", "type": "initial"}],
    "transitions": [{"trigger": "bump", "source": "on", "dest": "on", "actions": [{"increment": "count"}]}],
}

TIMED: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "timed"},
    "states": [
        {"name": "idle", "type": "initial"},
        {"name": "waiting"},
        {"name": "reminded"},
        {"name": "expired", "type": "terminal"},
        {"name": "done", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "start", "source": "idle", "dest": "waiting"},
        {"after": "2s", "source": "waiting", "dest": "reminded", "guards": ["may_remind"]},
        {"trigger": "finish", "source": ["waiting", "reminded"], "dest": "done"},
        {"trigger": "again", "source": "reminded", "dest": "waiting"},
    ],
}
TIMED["states"][2]["timeout"] = {"seconds": 5, "destination": "expired"}

NESTED: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "nested"},
    "states": [
        {"name": "idle", "type": "initial"},
        {"name": "session", "initial_child": "step_a", "timeout": {"seconds": 10, "destination": "closed"}},
        {"name": "step_a", "parent": "session"},
        {"name": "step_b", "parent": "session"},
        {"name": "closed", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "open", "source": "idle", "dest": "session"},
        {"trigger": "next", "source": "step_a", "dest": "step_b"},
        {"trigger": "back", "source": "step_b", "dest": "step_a"},
    ],
}

FALLBACK: dict[str, Any] = {
    "meta": {"version": "1", "machine_name": "fallback", "orchestrator_default_fallback": "persist"},
    "states": [
        {"name": "new", "type": "initial"},
        {"name": "active"},
        {"name": "error", "type": "error"},
    ],
    "transitions": [
        {"trigger": "activate", "source": "new", "dest": "active"},
        {"trigger": "reset", "source": "error", "dest": "new"},
    ],
    "error_policy": {"default_fallback": "error"},
}


def with_meta(config: dict[str, Any], **meta: Any) -> dict[str, Any]:
    copy = dict(config)
    copy["meta"] = {**config["meta"], **meta}
    return copy


class Configs:
    """Fresh deep copies of the machine definitions above."""

    @property
    def order(self) -> dict[str, Any]:
        return copy.deepcopy(ORDER)

    @property
    def counter(self) -> dict[str, Any]:
        return copy.deepcopy(COUNTER)

    @property
    def timed(self) -> dict[str, Any]:
        return copy.deepcopy(TIMED)

    @property
    def nested(self) -> dict[str, Any]:
        return copy.deepcopy(NESTED)

    @property
    def fallback(self) -> dict[str, Any]:
        return copy.deepcopy(FALLBACK)

    @staticmethod
    def with_meta(config: dict[str, Any], **meta: Any) -> dict[str, Any]:
        return with_meta(config, **meta)


@pytest.fixture
def configs() -> Configs:
    return Configs()
