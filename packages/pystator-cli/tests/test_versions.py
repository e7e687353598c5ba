"""``pystator --version`` lists every installed PyStator distribution (run as a real subprocess)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest


def _pystator() -> str:
    candidate = Path(sys.executable).parent / "pystator"
    found = str(candidate) if candidate.exists() else shutil.which("pystator")
    if found is None:
        pytest.fail("the pystator console script is not installed")
    return found


def test_version_lists_the_family() -> None:
    out = subprocess.run([_pystator(), "--version"], capture_output=True, text=True, check=True).stdout
    names = [line.split()[0] for line in out.splitlines()]
    assert "pystator-core" in names and "pystator-cli" in names


def test_versions_json() -> None:
    out = subprocess.run(
        [_pystator(), "versions", "--json"], capture_output=True, text=True, check=True
    ).stdout
    data = json.loads(out)
    from pystator import __version__

    assert data["pystator-core"] == __version__


def test_command_of_a_missing_distribution_is_one_clear_line() -> None:
    # A known command that no installed distribution contributes: one clear line, no traceback.
    from importlib.metadata import entry_points

    from pystator_cli.plugins import ENTRY_POINT_GROUP, KNOWN_COMMANDS

    contributed = {entry.name for entry in entry_points(group=ENTRY_POINT_GROUP)}
    missing = [known for known in KNOWN_COMMANDS if known.name not in contributed]
    if not missing:
        pytest.skip("every known command is contributed in this environment")
    known = missing[0]
    completed = subprocess.run([_pystator(), known.name], capture_output=True, text=True, check=False)
    assert completed.returncode == 2
    assert "Traceback" not in completed.stderr
    lines = [line for line in completed.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert known.distribution in lines[0]
    assert known.install.split("'")[1] in lines[0] or "upgrade" in lines[0]
