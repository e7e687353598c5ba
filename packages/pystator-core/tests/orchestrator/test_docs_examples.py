"""The Python examples of docs/guides/orchestrator.md and delayed-transitions.md run, in page order.

Blocks that sleep in real time or need a server are skipped (the same flows are tested elsewhere
with a FakeClock and the real Redis).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[4] / "docs" / "guides"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)
SKIP_MARKERS = ("asyncio.sleep(", "RedisScheduler(")


def blocks(page: str) -> list[str]:
    return [
        code for code in BLOCK.findall((DOCS / page).read_text()) if not any(m in code for m in SKIP_MARKERS)
    ]


@pytest.mark.parametrize("page", ["orchestrator.md", "delayed-transitions.md"])
def test_guide_examples_run(page: str) -> None:
    code_blocks = blocks(page)
    assert code_blocks
    namespace: dict[str, object] = {"__name__": f"docs_{page.replace('.', '_').replace('-', '_')}"}
    for code in code_blocks:
        exec(compile(code, f"{page}", "exec"), namespace)


def test_the_delayed_transition_guide_shows_the_readme_flow() -> None:
    text = (DOCS / "delayed-transitions.md").read_text()
    assert "await asyncio.sleep(2.5)  # delayed transition fires" in text
