"""docs/api/rest-api.md names every route of the app (full path, or ``.../suffix`` for entity routes)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

DOC = next(
    (
        p / "docs" / "api" / "rest-api.md"
        for p in Path(__file__).resolve().parents
        if (p / "docs" / "api").is_dir()
    ),
    None,
)


def test_every_route_is_documented(client: Any) -> None:
    if DOC is None:
        pytest.skip("not running from the repository")
    text = DOC.read_text(encoding="utf-8")
    missing = []
    for path, operations in client.get("/openapi.json").json()["paths"].items():
        for method in operations:
            short = "..." + path.split("{entity_id}", 1)[1] if "{entity_id}/" in path else None
            if f"{method.upper()} {path}" not in text and (
                short is None or f"{method.upper()} {short}" not in text
            ):
                missing.append(f"{method.upper()} {path}")
    assert missing == []
