"""Every store module declares ``__all__`` and each listed name resolves; the README import works."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "pystator.stores",
    "pystator.stores.cache",
    "pystator.stores.checks",
    "pystator.stores.codec",
    "pystator.stores.memory",
    "pystator.stores.protocols",
    "pystator.stores.records",
    "pystator.stores.twins",
    "pystator.testing.store_conformance",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_every_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    assert [n for n in exported if not hasattr(module, n)] == []


def test_readme_import_path() -> None:
    from pystator import InMemoryStateStore
    from pystator.stores import InMemoryStateStore as FromStores

    assert InMemoryStateStore is FromStores
