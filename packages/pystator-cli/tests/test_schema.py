"""``pystator schema export``: the JSON Schema of machine files, to stdout or a file."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

from pystator_contracts.schema import SCHEMA_PATH

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_export_to_stdout_is_the_committed_schema(pystator: Run) -> None:
    done = pystator("schema", "export")
    assert done.returncode == 0
    assert done.stdout == SCHEMA_PATH.read_text(encoding="utf-8")
    assert json.loads(done.stdout)["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_export_to_a_file(pystator: Run, tmp_path: Path) -> None:
    out = tmp_path / "machine.schema.json"
    done = pystator("schema", "export", "-o", out)
    assert done.returncode == 0
    assert done.stdout == ""
    assert json.loads(out.read_text())["title"] == "PyStator machine configuration"
