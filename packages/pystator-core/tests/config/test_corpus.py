"""The corpus of invalid configurations: each fixture states, in ``# expect:`` lines, every message
``validate_config`` must return for it, exactly and in order; valid fixtures return none."""

from __future__ import annotations

from pathlib import Path

import pytest

from pystator import ConfigurationError, validate_config
from pystator.config import load_file, load_machine_config, parse_machine_config

CORPUS = Path(__file__).parent / "corpus"
INVALID = sorted((CORPUS / "invalid").glob("*.yaml"))
VALID = sorted((CORPUS / "valid").glob("*.yaml"))


def expected_messages(path: Path) -> list[str]:
    prefix = "# expect: "
    return [line[len(prefix) :] for line in path.read_text().splitlines() if line.startswith(prefix)]


def test_the_corpus_is_large_and_every_fixture_states_its_messages() -> None:
    assert len(INVALID) >= 40
    assert all(expected_messages(path) for path in INVALID)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_gives_exactly_its_messages(path: Path) -> None:
    assert validate_config(path) == expected_messages(path)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_strict_validation_raises_with_the_same_list(path: Path) -> None:
    with pytest.raises(ConfigurationError) as info:
        validate_config(path, strict=True)
    assert info.value.errors == expected_messages(path)
    assert info.value.code.value == "CONFIG"
    assert expected_messages(path)[0] in str(info.value)


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_parse_raises_the_same_list(path: Path) -> None:
    data = load_file(path)
    with pytest.raises(ConfigurationError) as info:
        parse_machine_config(data, base_path=path)
    assert info.value.errors == expected_messages(path)


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_has_no_problems(path: Path) -> None:
    assert validate_config(path) == []
    config = load_machine_config(path)
    assert all(state.submachine is None for state in config.states)
    assert parse_machine_config(load_file(path), base_path=path) == config


def test_validate_config_accepts_a_dict_as_in_the_readme() -> None:
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
    assert validate_config(config, strict=False) == []
    config["transitions"][1]["dest"] = "cc"  # type: ignore[index]
    assert validate_config(config) == ["transitions[1].dest: unknown state 'cc' (did you mean 'c'?)"]


def test_validate_config_accepts_an_already_parsed_model() -> None:
    model = load_machine_config(CORPUS / "valid" / "quick_start.fsm.yaml")
    assert validate_config(model) == []


def test_an_unreadable_path_is_reported_not_raised() -> None:
    errors = validate_config(CORPUS / "no_such.fsm.yaml")
    assert len(errors) == 1
    assert errors[0].endswith("cannot read the file: No such file or directory")
    with pytest.raises(ConfigurationError):
        validate_config(CORPUS / "no_such.fsm.yaml", strict=True)
