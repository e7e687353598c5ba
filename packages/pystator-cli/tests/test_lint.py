"""``pystator machines lint``: warnings with file, line, path and code; exit 1 on warnings (info
findings only with ``--strict``); invalid files reported as by validate."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_warnings_fail_with_lines_and_codes(pystator: Run, machines: Path) -> None:
    file = machines / "lint_warnings.yaml"
    done = pystator("machines", "lint", file)
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"{file}:7: states[2]: state 'orphan' is unreachable from the initial state 'a' [unreachable_state]",
        f"{file}:12: transitions[1]: transitions[0] and this transition both leave 'a' on 'go' without "
        "guards; only the first ever fires [nondeterministic_transition]",
    ]


def test_info_findings_pass_unless_strict(pystator: Run, machines: Path) -> None:
    file = machines / "lint_info.yaml"
    done = pystator("machines", "lint", file)
    assert done.returncode == 0
    assert done.stdout.strip() == (
        f"{file}:14: groups.unused: (info) no state belongs to group 'unused' [unused_group]"
    )
    assert pystator("machines", "lint", "--strict", file).returncode == 1


def test_a_clean_machine_passes(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "lint", machines / "order.yaml")
    assert done.returncode == 0
    assert done.stdout.strip() == f"{machines / 'order.yaml'}: no findings"


def test_invalid_files_are_reported_not_linted(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "lint", machines / "unknown_dest.yaml")
    assert done.returncode == 1
    assert done.stdout.startswith(f"{machines / 'unknown_dest.yaml'}:11: transitions[0].dest: ")


def test_json_findings(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "lint", "--json", machines / "lint_warnings.yaml", machines / "invalid.yaml")
    assert done.returncode == 1
    warned, invalid = json.loads(done.stdout)
    assert warned["valid"] is True
    assert [(f["code"], f["severity"], f["line"], f["path"]) for f in warned["findings"]] == [
        ("unreachable_state", "warning", 7, "states[2]"),
        ("nondeterministic_transition", "warning", 12, "transitions[1]"),
    ]
    assert invalid["valid"] is False
    assert invalid["findings"] == []
    assert len(invalid["problems"]) == 3
