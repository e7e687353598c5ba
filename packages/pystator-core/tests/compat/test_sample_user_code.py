"""The sample 0.0.x user module (``sample_user_code.py``) passes ``mypy --strict`` and runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from . import sample_user_code

SAMPLE = Path(__file__).with_name("sample_user_code.py")
ROOT = Path(__file__).resolve().parents[4]


def test_sample_runs() -> None:
    log = sample_user_code.run_everything()
    assert log[:3] == ["notify:", "log_exit", "record_ack"]


@pytest.mark.slow
def test_sample_passes_mypy_strict() -> None:
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", str(SAMPLE)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
