"""The product README's quick start, run verbatim: the YAML file, ``process``, ``validate_config``
(the function and the static method), and the extended quick start from a file and from a dict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pystator import ConfigurationError


@pytest.fixture(autouse=True)
def in_project(order_yaml: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README runs in the directory where it saved ``order_fsm.yaml``."""
    monkeypatch.chdir(order_yaml.parent)


def test_quick_start(capsys: pytest.CaptureFixture[str]) -> None:
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    # Pure computation: current state + event → next state
    result = machine.process("pending", "exchange_ack", {})
    print(result.success)  # True
    print(result.target_state)  # open
    assert capsys.readouterr().out == "True\nopen\n"


FROM_DICT: dict[str, Any] = {
    "meta": {"version": "1.0.0", "machine_name": "my_fsm", "strict_mode": True},
    "states": [
        {"name": "a", "type": "initial"},
        {"name": "b", "type": "stable"},
        {"name": "c", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "go", "source": "a", "dest": "b"},
        {"trigger": "done", "source": "b", "dest": "c"},
    ],
}


def test_validate_a_dict_before_building() -> None:
    from pystator import StateMachine, validate_config

    config = FROM_DICT  # loaded YAML/JSON as dict
    errors = validate_config(config, strict=False)
    if errors:
        print("\n".join(errors))
    else:
        machine = StateMachine.from_dict(config)
    assert errors == [] and machine.process("a", "go", {}).target_state == "b"
    assert StateMachine.validate_config(config) == []


def test_validate_config_reports_every_problem() -> None:
    from pystator import StateMachine, validate_config

    broken = {
        "meta": {"version": "1", "machine_name": "broken"},
        "states": [{"name": "a", "type": "initial"}, {"name": "BadName"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "nowhere"}],
    }
    errors = validate_config(broken, strict=False)
    assert any("states[1].name" in e and "BadName" in e for e in errors)
    dangling = {**FROM_DICT, "transitions": [{"trigger": "go", "source": "a", "dest": "nowhere"}]}
    assert any("nowhere" in e for e in validate_config(dangling, strict=False))
    assert StateMachine.validate_config(broken) == errors
    with pytest.raises(ConfigurationError):
        validate_config(broken, strict=True)
    with pytest.raises(ConfigurationError):
        StateMachine.from_dict(broken)


def test_extended_from_a_yaml_file() -> None:
    from pystator import StateMachine

    machine = StateMachine.from_yaml("order_fsm.yaml")
    result = machine.process("pending", "exchange_ack", {})
    assert (result.success, result.target_state) == (True, "open")


def test_extended_from_a_dict() -> None:
    from pystator import StateMachine

    config = {
        "meta": {"version": "1.0.0", "machine_name": "my_fsm", "strict_mode": True},
        "states": [
            {"name": "a", "type": "initial"},
            {"name": "b", "type": "stable"},
            {"name": "c", "type": "terminal"},
        ],
        "transitions": [
            {"trigger": "go", "source": "a", "dest": "b"},
            {"trigger": "done", "source": "b", "dest": "c"},
        ],
    }
    machine = StateMachine.from_dict(config)
    result = machine.process("a", "go", {})
    assert (result.success, result.target_state) == (True, "b")
    assert machine.process("b", "done", {}).target_state == "c"


def test_naming_rule_uppercase_is_refused() -> None:
    from pystator import StateMachine

    config = {
        "meta": {"version": "1", "machine_name": "naming"},
        "states": [{"name": "PENDING_NEW", "type": "initial"}],
        "transitions": [],
    }
    with pytest.raises(ConfigurationError, match="PENDING_NEW"):
        StateMachine.from_dict(config)
