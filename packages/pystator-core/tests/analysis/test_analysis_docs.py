"""The examples in docs/guides/analysis.md and docs/guides/interchange.md run as doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[4] / "docs"


@pytest.mark.parametrize("page", ["guides/analysis.md", "guides/interchange.md"])
def test_documentation_examples(page: str) -> None:
    result = doctest.testfile(str(DOCS / page), module_relative=False, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
