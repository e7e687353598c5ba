"""The machine schema models accept every documented entry form and name the field of a bad one."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from pystator_contracts.machine import (
    AllOfGuard,
    BranchAction,
    CallAction,
    ExprGuard,
    MachineConfig,
    SetEffect,
    parse_duration_ms,
)


def _config(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "meta": {"version": "1.0.0", "machine_name": "order", "strict_mode": True},
        "states": [
            {"name": "pending", "type": "initial"},
            {"name": "open"},
            {"name": "filled", "type": "terminal"},
        ],
        "transitions": [
            {"trigger": "exchange_ack", "source": "pending", "dest": "open"},
            {"trigger": "fill", "source": "open", "dest": "filled"},
        ],
    }
    base.update(overrides)
    return base


def test_quick_start_config_validates() -> None:
    config = MachineConfig.model_validate(_config())
    assert [s.name for s in config.states] == ["pending", "open", "filled"]
    assert config.meta.strict_mode is True
    assert config.states[1].type == "stable"


def test_every_guard_and_action_form() -> None:
    transition = {
        "trigger": "go",
        "source": ["pending", "open"],
        "dest": "H*(open)",
        "guards": [
            "is_ok",
            {"expr": "qty > 0"},
            {"allOf": [{"check": {"field": "qty", "op": "gt", "value": 1}}]},
        ],
        "actions": [
            "notify",
            {"name": "audit", "params": {"level": 2}, "retry": 2, "retry_backoff": "500ms", "timeout": 3},
            {"set": {"a": 1}},
            {"branch": {"when": "qty > 1", "then": ["x"], "else": [{"clear": "a"}]}},
        ],
    }
    config = MachineConfig.model_validate(_config(transitions=[transition]))
    parsed = config.transitions[0]
    assert parsed.sources == ("pending", "open")
    assert isinstance(parsed.guards[1], ExprGuard)
    assert isinstance(parsed.guards[2], AllOfGuard)
    assert isinstance(parsed.actions[1], CallAction)
    assert parsed.actions[1].retry_backoff == 0.5
    assert isinstance(parsed.actions[2], SetEffect)
    assert isinstance(parsed.actions[3], BranchAction)
    dumped = config.model_dump(by_alias=True, exclude_defaults=True)
    assert MachineConfig.model_validate(dumped) == config


@pytest.mark.parametrize(
    ("raw", "millis"), [(500, 500), ("500ms", 500), ("5s", 5000), ("10m", 600_000), ("1h", 3_600_000)]
)
def test_after_durations(raw: object, millis: int) -> None:
    assert parse_duration_ms(raw) == millis


def test_bad_entries_name_their_path() -> None:
    bad = _config(
        states=[{"name": "Pending", "type": "initial"}],
        transitions=[{"trigger": "go", "source": "a", "guards": [{"foo": 1}], "after": "soon"}],
    )
    with pytest.raises(ValidationError) as info:
        MachineConfig.model_validate(bad)
    locations = {".".join(str(p) for p in err["loc"]) for err in info.value.errors()}
    assert "states.0.name" in locations
    assert "transitions.0.guards.0" in locations
    assert "transitions.0.after" in locations


def test_transition_needs_a_cause_and_meta_keeps_unknown_keys() -> None:
    with pytest.raises(ValidationError, match="needs a 'trigger'"):
        MachineConfig.model_validate(_config(transitions=[{"source": "pending", "dest": "open"}]))
    config = MachineConfig.model_validate(_config(meta={"owner": "desk-7"}))
    assert config.meta.model_extra == {"owner": "desk-7"}
