"""``pystator machines validate``: every problem as FILE:LINE: PATH: MESSAGE, exit 1 on problems,
2 on usage errors (a missing file is one), ``--json`` for scripts."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_a_valid_file_passes(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "validate", machines / "order.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"{machines / 'order.yaml'}: valid"


def test_every_problem_with_its_line_and_path(pystator: Run, machines: Path) -> None:
    file = machines / "invalid.yaml"
    done = pystator("machines", "validate", file)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith(f"{file}:7: states[1].name: expected a name of lowercase letters")
    assert lines[1].startswith(f"{file}:16: transitions[1].source: ")
    assert lines[2].startswith(f"{file}:18: transitions[1].guards[0]: ")
    assert "1 of 1 files invalid (3 problems)" in done.stderr


def test_did_you_mean_survives(pystator: Run, machines: Path) -> None:
    file = machines / "unknown_dest.yaml"
    done = pystator("machines", "validate", file)
    assert done.returncode == 1
    assert done.stdout.strip() == (
        f"{file}:11: transitions[0].dest: unknown state 'fillled' (did you mean 'filled'?)"
    )


def test_yaml_syntax_error_names_the_line(pystator: Run, machines: Path) -> None:
    file = machines / "broken_syntax.yaml"
    done = pystator("machines", "validate", file)
    assert done.returncode == 1
    assert done.stdout.startswith(f"{file}:6: ")
    assert "Traceback" not in done.stderr


def test_duplicate_keys_name_both_lines(pystator: Run, tmp_path: Path) -> None:
    file = tmp_path / "dup.yaml"
    file.write_text("meta: {}\nstates: []\nmeta: {}\n")
    done = pystator("machines", "validate", file)
    assert done.returncode == 1
    assert done.stdout.strip() == f"{file}:3: duplicate key 'meta' (first at line 1)"


def test_problem_in_a_submachine_file_points_into_that_file(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "validate", machines / "host.yaml")
    assert done.returncode == 1
    assert done.stdout.strip() == (
        f"{machines / 'payment.yaml'}:10: transitions[0].dest: unknown state 'payed' (did you mean 'paid'?)"
    )


def test_json_files_get_lines_too(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "validate", machines / "order.json")
    assert done.returncode == 1
    assert (
        done.stdout.strip() == f"{machines / 'order.json'}:9: transitions[1].source: unknown state 'nowhere'"
    )


def test_json_report(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "validate", "--json", machines / "order.yaml", machines / "invalid.yaml")
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["valid"] is False
    first, second = report["files"]
    assert first == {"file": str(machines / "order.yaml"), "valid": True, "problems": []}
    assert second["valid"] is False
    assert [(p["line"], p["path"]) for p in second["problems"]] == [
        (7, "states[1].name"),
        (16, "transitions[1].source"),
        (18, "transitions[1].guards[0]"),
    ]


def test_all_valid_json_exits_zero(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "validate", "--json", machines / "order.yaml", machines / "guarded.yaml")
    assert done.returncode == 0
    assert json.loads(done.stdout)["valid"] is True


def test_a_missing_file_is_a_usage_error(
    pystator: Run, tmp_path: Path, one_line: Callable[[str], str]
) -> None:
    done = pystator("machines", "validate", tmp_path / "nope.yaml")
    assert done.returncode == 2
    assert one_line(done.stderr) == f"pystator machines validate: no such file: {tmp_path / 'nope.yaml'}"
    assert done.stdout == ""


def test_a_folder_is_a_usage_error(pystator: Run, tmp_path: Path, one_line: Callable[[str], str]) -> None:
    done = pystator("machines", "validate", tmp_path)
    assert done.returncode == 2
    assert "not a file" in one_line(done.stderr)
