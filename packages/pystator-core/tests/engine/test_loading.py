"""Building machines from YAML, JSON and dicts; invalid configurations are refused with every
problem named by its path; ``validate_config`` lists problems without raising."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pystator import ConfigurationError, StateMachine

FIXTURES = Path(__file__).parent / "fixtures"


def test_from_yaml_and_from_json_agree(tmp_path: Path) -> None:
    from ruamel.yaml import YAML

    data = YAML(typ="safe", pure=True).load((FIXTURES / "order.yaml").read_text())
    json_file = tmp_path / "order.json"
    json_file.write_text(json.dumps(data))
    from_json = StateMachine.from_json(json_file)
    from_yaml = StateMachine.from_yaml(FIXTURES / "order.yaml")
    assert from_json.config == from_yaml.config
    assert from_json.process("pending", "exchange_ack").target_state == "open"


def test_yaml_keeps_on_and_off_as_strings(tmp_path: Path) -> None:
    file = tmp_path / "switch.yaml"
    file.write_text(
        "states:\n  - {name: off, type: initial}\n  - {name: on}\n"
        "transitions:\n  - {trigger: flip, source: off, dest: on}\n"
    )
    assert StateMachine.from_yaml(file).process("off", "flip").target_state == "on"


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match=r"missing\.yaml"):
        StateMachine.from_yaml(tmp_path / "missing.yaml")


def test_invalid_yaml(tmp_path: Path) -> None:
    file = tmp_path / "bad.yaml"
    file.write_text("states: [\n")
    with pytest.raises(ConfigurationError):
        StateMachine.from_yaml(file)


def test_structural_errors_name_their_paths() -> None:
    with pytest.raises(ConfigurationError) as caught:
        StateMachine.from_dict(
            {
                "states": [{"name": "A", "type": "initial"}],
                "transitions": [{"source": "a", "dest": "b"}],
                "unknown_key": 1,
            }
        )
    text = "\n".join(caught.value.errors)
    assert "states[0].name" in text
    assert "transitions[0]" in text
    assert "unknown_key" in text


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ({"states": [{"name": "a"}], "transitions": []}, "initial"),
        (
            {
                "states": [{"name": "a", "type": "initial"}],
                "transitions": [{"trigger": "t", "source": "a", "dest": "x"}],
            },
            "x",
        ),
        (
            {"states": [{"name": "a", "type": "initial", "parent": "ghost"}], "transitions": []},
            "ghost",
        ),
    ],
)
def test_semantic_errors(data: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        StateMachine.from_dict(data)
    assert any(fragment in error for error in caught.value.errors)
    assert StateMachine.validate_config(data)
    with pytest.raises(ConfigurationError):
        StateMachine.validate_config(data, strict=True)


def test_validate_config_of_a_valid_configuration_is_empty() -> None:
    data = {"states": [{"name": "a", "type": "initial"}], "transitions": []}
    assert StateMachine.validate_config(data) == []
