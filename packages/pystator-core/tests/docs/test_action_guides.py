"""The examples in docs/guides/actions.md, hooks.md and diagrams.md run as doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[4] / "docs" / "guides"


@pytest.mark.parametrize("page", ["actions.md", "hooks.md", "diagrams.md"])
def test_guide_examples(page: str) -> None:
    result = doctest.testfile(
        str(DOCS / page), module_relative=False, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.attempted > 0
    assert result.failed == 0
