"""The examples in docs/guides/entity-session.md run as doctests."""

from __future__ import annotations

import doctest
from pathlib import Path

DOCS = Path(__file__).resolve().parents[4] / "docs" / "guides"


def test_guide_examples() -> None:
    result = doctest.testfile(
        str(DOCS / "entity-session.md"), module_relative=False, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted > 20
    assert result.failed == 0
