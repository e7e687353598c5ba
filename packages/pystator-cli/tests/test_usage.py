"""The command as a whole: usage errors as one line with exit 2, commands of missing
distributions as one line naming what to install, rich tables only on a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["nosuch"], "pystator: No such command 'nosuch'. (see 'pystator --help')"),
        (
            ["machines", "validate", "--bogus"],
            "pystator machines validate: No such option: --bogus (see 'pystator machines validate --help')",
        ),
        (
            ["machines", "validate"],
            "pystator machines validate: Missing argument 'files'. (see 'pystator machines validate --help')",
        ),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    pystator: Run, one_line: Callable[[str], str], args: list[str], expected: str
) -> None:
    done = pystator(*args)
    assert done.returncode == 2
    assert one_line(done.stderr) == expected
    assert done.stdout == ""


def test_no_arguments_prints_help(pystator: Run) -> None:
    done = pystator()
    assert done.returncode == 2
    for command in ("machines", "process", "schema", "docs", "db", "api", "up", "ui", "worker"):
        assert command in done.stdout


def test_a_group_without_its_command_prints_its_help(pystator: Run) -> None:
    done = pystator("machines")
    assert done.returncode == 2
    for command in ("validate", "lint", "diagram", "show", "list", "push", "pull"):
        assert command in done.stdout


def test_ui_is_a_known_command_with_a_one_line_answer(pystator: Run, one_line: Callable[[str], str]) -> None:
    done = pystator("ui", "--help")  # never `ui serve`: with pystator-api installed it would serve
    if done.returncode == 0:
        pytest.skip("an installed distribution contributes a real `ui` command")
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("pystator ui: ")
    assert "pystator-api" in line


def _run_on_a_terminal(executable: str, *args: str, exit_code: int = 0, no_color: bool = False) -> str:
    controller, terminal = pty.openpty()
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "160"}
    env.pop("NO_COLOR", None)
    if no_color:
        env["NO_COLOR"] = "1"
    process = subprocess.Popen([executable, *args], stdout=terminal, stderr=terminal, env=env)
    os.close(terminal)
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # the terminal closed: the command is done
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(controller)
    assert process.wait(timeout=60) == exit_code
    return b"".join(chunks).decode("utf-8", "replace")


def test_tables_are_rich_on_a_terminal_and_plain_in_a_pipe(
    pystator: Run, pystator_path: str, machines: Path
) -> None:
    on_terminal = _run_on_a_terminal(pystator_path, "machines", "show", str(machines / "order.yaml"))
    assert "━" in on_terminal or "─" in on_terminal
    assert "exchange_ack" in on_terminal
    piped = pystator("machines", "show", str(machines / "order.yaml")).stdout
    assert "━" not in piped and "─" not in piped and "\x1b[" not in piped
    assert "exchange_ack" in piped


def test_problems_are_coloured_on_a_terminal_unless_no_color(pystator_path: str, machines: Path) -> None:
    file = str(machines / "invalid.yaml")
    coloured = _run_on_a_terminal(pystator_path, "machines", "validate", file, exit_code=1)
    assert f"\x1b[1m{file}:7\x1b[0m: \x1b[36mstates[1].name\x1b[0m: " in coloured
    plain = _run_on_a_terminal(pystator_path, "machines", "validate", file, exit_code=1, no_color=True)
    assert "\x1b[" not in plain
    assert f"{file}:7: states[1].name: " in plain
