"""Running the real ``pystator`` console script as a subprocess, and the machine files beside the tests."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

MACHINES = Path(__file__).parent / "machines"

Run = Callable[..., subprocess.CompletedProcess[str]]


def pystator_executable() -> str:
    candidate = Path(sys.executable).parent / "pystator"
    found = str(candidate) if candidate.exists() else shutil.which("pystator")
    if found is None:
        pytest.fail("the pystator console script is not installed")
    return found


@pytest.fixture(scope="session")
def pystator_path() -> str:
    """The console script itself, for tests that start long-running commands."""
    return pystator_executable()


@pytest.fixture
def machines() -> Path:
    return MACHINES


@pytest.fixture
def pystator() -> Run:
    """``pystator(*args, input=None, cwd=None, env=None)``: the completed run (never raises on exit codes)."""
    executable = pystator_executable()

    def run(
        *args: str | os.PathLike[str],
        input: str | None = None,
        cwd: str | os.PathLike[str] | None = None,
        env: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> subprocess.CompletedProcess[str]:
        environment = {**os.environ, "NO_COLOR": "1", **(env or {})}
        return subprocess.run(
            [executable, *map(str, args)],
            input=input,
            capture_output=True,
            text=True,
            cwd=cwd,
            env=environment,
            timeout=timeout,
            check=False,
        )

    return run


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected one line, got {lines!r}"
    assert "Traceback" not in text
    return lines[0]


@pytest.fixture
def one_line() -> Callable[[str], str]:
    """The single non-empty line of a text (fails when there are more, none, or a traceback)."""
    return _one_line
