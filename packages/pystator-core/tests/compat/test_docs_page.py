"""The Python examples of docs/guides/coming-from-0.0.x.md run, in page order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

PAGE = Path(__file__).resolve().parents[4] / "docs" / "guides" / "coming-from-0.0.x.md"
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


def test_every_example_on_the_page_runs() -> None:
    blocks = BLOCK.findall(PAGE.read_text(encoding="utf-8"))
    assert len(blocks) >= 10
    namespace: dict[str, object] = {"__name__": "docs_coming_from_0_0_x"}
    for index, code in enumerate(blocks):
        exec(compile(code, f"{PAGE.name}[block {index}]", "exec"), namespace)


def test_the_page_covers_every_section_of_the_compat_surface() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for heading in (
        "## `Event`",
        "## `TransitionResult`",
        "## `StateMachine`",
        "## `EntitySession`",
        "## Registries",
        "## `ActionExecutor`",
        "## Stores",
        "## Orchestrator and hooks",
        "## `AsyncioScheduler`",
        "## Where the new packages are stricter or safer",
    ):
        assert heading in text
