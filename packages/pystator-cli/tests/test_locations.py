"""From validation lines to ``file:line: path: message``: path parsing and the YAML line lookup."""

from __future__ import annotations

from pathlib import Path

import pytest

from pystator_cli.locations import Problem, load_problem, locate_problem, parse_config_path, split_problem


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("states[3].name", ["states", 3, "name"]),
        ("meta.classification.auto_route", ["meta", "classification", "auto_route"]),
        ("groups['two words'].x", ["groups", "two words", "x"]),
        ("transitions[0].guards[1].check.field", ["transitions", 0, "guards", 1, "check", "field"]),
    ],
)
def test_parse_config_path(text: str, parts: list[str | int]) -> None:
    assert parse_config_path(text) == parts


def test_split_problem() -> None:
    assert split_problem("states[1].name: expected a: b") == ([], "states[1].name", "expected a: b")
    assert split_problem("a.yaml:b.json:states[0]: bad") == (["a.yaml", "b.json"], "states[0]", "bad")
    assert split_problem("no path here") == ([], "", "no path here")


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    file = tmp_path / "m.yaml"
    file.write_text(
        "meta:\n"  # 1
        "  machine_name: m\n"  # 2
        "states:\n"  # 3
        "  - name: a\n"  # 4
        "    type: initial\n"  # 5
        "  - {name: b, type: terminal}\n"  # 6
        "transitions:\n"  # 7
        "  - trigger: go\n"  # 8
        "    source: a\n"  # 9
        "    dest: b\n"  # 10
    )
    return file


def test_lines_of_keys_items_and_missing_keys(machine: Path) -> None:
    file = str(machine)
    assert locate_problem(file, "transitions[0].dest: bad").line == 10
    assert locate_problem(file, "states[1].type: bad").line == 6
    assert locate_problem(file, "states[0]: bad").line == 4
    assert locate_problem(file, "meta.machine_name: bad").line == 2
    # A key that is not written points at the mapping that lacks it.
    assert locate_problem(file, "transitions[0].guards: missing").line == 8
    assert locate_problem(file, "config: bad") == Problem(file, 1, "config", "bad")


def test_problems_render_as_file_line_path_message(machine: Path) -> None:
    problem = locate_problem(str(machine), "transitions[0].dest: unknown state 'c'")
    assert str(problem) == f"{machine}:10: transitions[0].dest: unknown state 'c'"
    assert problem.as_dict() == {
        "file": str(machine),
        "line": 10,
        "path": "transitions[0].dest",
        "message": "unknown state 'c'",
    }


def test_read_errors_of_the_file_itself(machine: Path) -> None:
    file = str(machine)
    assert load_problem(file, f"{file}:3: duplicate key 'a'") == Problem(file, 3, "", "duplicate key 'a'")
    assert load_problem(file, f"{file}: cannot read the file") == Problem(file, 0, "", "cannot read the file")
    assert load_problem(file, "states[0]: bad") is None
    assert str(Problem(file, 0, "", "cannot read the file")) == f"{file}: cannot read the file"


def test_an_unreadable_file_has_no_line(tmp_path: Path) -> None:
    missing = tmp_path / "gone.yaml"
    assert locate_problem(str(missing), "states[0]: bad") == Problem(str(missing), 0, "states[0]", "bad")
