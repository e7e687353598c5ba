"""The complete machines shown in docs/reference/configuration.md validate (docs examples are tests)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pystator import validate_config
from pystator.config import load_yaml

REFERENCE = Path("docs") / "reference" / "configuration.md"
DOC = next((p / REFERENCE for p in Path(__file__).resolve().parents if (p / REFERENCE).is_file()), None)


def machines() -> list[str]:
    if DOC is None or not DOC.exists():
        return []
    blocks = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)
    return [b for b in blocks if re.search(r"^states:", b, re.M) and re.search(r"^transitions:", b, re.M)]


def test_the_reference_shows_complete_machines() -> None:
    if DOC is None or not DOC.exists():
        pytest.skip("not running from the repository")
    assert len(machines()) >= 4


@pytest.mark.parametrize("text", machines())
def test_each_complete_machine_in_the_reference_is_valid(text: str) -> None:
    assert validate_config(load_yaml(text, source="configuration.md")) == []
