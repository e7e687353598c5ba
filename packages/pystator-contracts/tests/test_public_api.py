"""Every public module of pystator_contracts declares ``__all__`` and every listed name exists."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "pystator_contracts",
    "pystator_contracts.codes",
    "pystator_contracts.graph",
    "pystator_contracts.machine",
    "pystator_contracts.normalize",
    "pystator_contracts.references",
    "pystator_contracts.schema",
    "pystator_contracts.settings",
    "pystator_contracts.structure",
    "pystator_contracts.validation",
    "pystator_contracts.wire",
]


@pytest.mark.parametrize("name", MODULES)
def test_all_names_exist(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert exported, name
    assert len(set(exported)) == len(exported)
    for attribute in exported:
        assert hasattr(module, attribute), f"{name}.{attribute}"
