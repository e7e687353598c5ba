"""The Python examples of docs/guides/state-stores.md run as written (in order, one namespace)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[3] / "docs" / "guides" / "state-stores.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)


def test_the_state_stores_guide_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    blocks = [b for b in BLOCK.findall(GUIDE.read_text()) if not b.startswith("# not run")]
    assert len(blocks) >= 6
    namespace: dict[str, object] = {"__name__": "state_stores_guide"}
    for index, source in enumerate(blocks):
        try:
            exec(compile(source, f"{GUIDE.name} block {index + 1}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"example {index + 1} of {GUIDE.name} failed: {type(exc).__name__}: {exc}\n{source}")
