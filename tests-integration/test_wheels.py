"""Every distribution builds, and each wheel installs and imports alone in a fresh environment.

Runs ``python3 dev.py check-wheels``: builds all eight wheels and sdists, installs each wheel in a
fresh virtual environment with only what it declares (siblings from the fresh build), imports it,
checks that every installed pystator distribution came from that build, and fails if pystator-core
requires anything beyond pystator-contracts, pydantic, ruamel.yaml and simpleeval.
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_each_wheel_installs_and_imports_alone() -> None:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "dev.py"), "--no-setup", "check-wheels"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    assert completed.returncode == 0, completed.stdout[-4000:] + completed.stderr[-4000:]
    oks = [line for line in completed.stdout.splitlines() if line.startswith("[dev] ok ")]
    assert len(oks) == 8
    wheels = sorted((ROOT / "dist").glob("*.whl"))
    sdists = sorted((ROOT / "dist").glob("*.tar.gz"))
    assert len(wheels) == 8
    assert len(sdists) == 8
    # Every code wheel ships its py.typed marker; the umbrella ships no code at all.
    for wheel in wheels:
        names = zipfile.ZipFile(wheel).namelist()
        code = [n for n in names if n.endswith(".py")]
        if wheel.name.startswith("pystator-0."):
            assert code == []
        else:
            assert any(n.endswith("/py.typed") for n in names), wheel.name


def test_no_add_on_ships_files_under_the_pystator_package() -> None:
    for folder in (ROOT / "packages").iterdir():
        if folder.name in {"pystator-core", "pystator"}:
            continue
        assert not (folder / "src" / "pystator").exists(), f"{folder.name} ships files under pystator/"
