"""Every ``python`` code block in docs/ runs, in order, page by page.

The blocks of one page share a fresh namespace and run with a copy of the page's folder as the
working directory (the whole docs tree is copied, with ``examples/`` next to it, so relative paths
such as ``../examples/order_fsm.yaml`` resolve as they do in the repository). A block written as an
interactive session (lines starting with ``>>>``) is checked with doctest, output included.

Two HTML comments, on the line right before a block, steer it:

- ``<!-- file: order_fsm.yaml -->`` before a block of any language writes the block to that file
  first, so that a page can show a YAML file and then load it;
- ``<!-- not-run: <reason> -->`` before a ``python`` block skips it; the reason is shown in the page
  and must not be empty. Keep these rare.
"""

from __future__ import annotations

import doctest
import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"

FENCE = re.compile(r"^(?P<indent>[ ]*)(?P<fence>```+|~~~+)[ ]*(?P<info>[^\n`]*)$")
MARKER = re.compile(r"^\s*<!--\s*(?P<kind>not-run|file):\s*(?P<value>.*?)\s*-->\s*$")
PYTHON_LANGUAGES = {"python", "py", "pycon"}


@dataclass(frozen=True)
class Block:
    language: str
    source: str
    line: int
    skip_reason: str | None
    file_name: str | None


def parse_blocks(text: str) -> list[Block]:
    """Return the fenced code blocks of a Markdown page, with the marker that precedes each."""
    lines = text.splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if opening is None:
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        language = opening["info"].strip().split(" ")[0].lstrip(".").lower()
        body: list[str] = []
        end = index + 1
        while end < len(lines) and not lines[end].strip().startswith(fence):
            line = lines[end]
            body.append(line[indent:] if line[:indent].strip() == "" else line.lstrip())
            end += 1
        previous = next((lines[i] for i in range(index - 1, -1, -1) if lines[i].strip()), "")
        marker = MARKER.match(previous)
        skip_reason = marker["value"] if marker and marker["kind"] == "not-run" else None
        file_name = marker["value"] if marker and marker["kind"] == "file" else None
        blocks.append(Block(language, "\n".join(body) + "\n", index + 1, skip_reason, file_name))
        index = end + 1
    return blocks


def run_page(page: Path, workdir: Path) -> int:
    """Run the page's blocks in ``workdir``; return how many Python blocks ran."""
    relative = page.relative_to(ROOT) if page.is_relative_to(ROOT) else page
    namespace: dict[str, object] = {"__name__": "__docs__"}
    ran = 0
    previous_cwd = Path.cwd()
    os.chdir(workdir)
    try:
        for block in parse_blocks(page.read_text(encoding="utf-8")):
            where = f"{relative}:{block.line}"
            if block.file_name is not None:
                (workdir / block.file_name).write_text(block.source, encoding="utf-8")
            if block.language not in PYTHON_LANGUAGES:
                continue
            if block.skip_reason is not None:
                assert block.skip_reason, f"{where}: a not-run marker needs a reason"
                continue
            if block.source.lstrip().startswith(">>>"):
                run_doctest(block.source, namespace, where)
            else:
                exec(compile(block.source, where, "exec"), namespace)
            ran += 1
    finally:
        os.chdir(previous_cwd)
    return ran


def run_doctest(source: str, namespace: dict[str, object], where: str) -> None:
    test = doctest.DocTestParser().get_doctest(source, namespace, where, where, 0)
    # The session shares the page's namespace, so later blocks see the names it defines.
    test.globs = namespace
    failures: list[str] = []
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test, out=failures.append, clear_globs=False)
    assert runner.failures == 0, "".join(failures)


PAGES = sorted(DOCS.rglob("*.md"))


def test_the_runner_reads_markers_and_languages() -> None:
    text = (
        "intro\n\n<!-- file: m.yaml -->\n```yaml\nstates: []\n```\n\n"
        "<!-- not-run: needs a running server -->\n```python\nimport nowhere\n```\n\n"
        "- item\n\n    ```py\n    x = 1\n    ```\n"
    )
    blocks = parse_blocks(text)
    assert [(b.language, b.file_name, b.skip_reason, b.source) for b in blocks] == [
        ("yaml", "m.yaml", None, "states: []\n"),
        ("python", None, "needs a running server", "import nowhere\n"),
        ("py", None, None, "x = 1\n"),
    ]


def test_a_failing_block_fails_the_page(tmp_path: Path) -> None:
    page = tmp_path / "broken.md"
    page.write_text("```python\nvalue = 1\n```\n\n```python\nassert value == 2, 'docs block failed'\n```\n")
    with pytest.raises(AssertionError, match="docs block failed"):
        run_page(page, tmp_path)
    page.write_text("```python\n>>> 1 + 1\n3\n```\n")
    with pytest.raises(AssertionError, match="Expected"):
        run_page(page, tmp_path)
    page.write_text("<!-- not-run: shown only -->\n```python\nraise SystemExit\n```\n")
    assert run_page(page, tmp_path) == 0


@pytest.mark.parametrize("page", PAGES, ids=lambda page: str(page.relative_to(DOCS)))
def test_page_code_blocks_run(page: Path, tmp_path: Path) -> None:
    shutil.copytree(DOCS, tmp_path / "docs")
    shutil.copytree(ROOT / "examples", tmp_path / "examples")
    workdir = tmp_path / page.parent.relative_to(ROOT)
    run_page(page, workdir)
