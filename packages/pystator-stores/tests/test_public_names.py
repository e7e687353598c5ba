"""Every module of ``pystator_stores`` declares ``__all__`` and each listed name resolves."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "pystator_stores",
    "pystator_stores.factory",
    "pystator_stores.migrations",
    "pystator_stores.migrations.model",
    "pystator_stores.migrations.postgres",
    "pystator_stores.migrations.registry",
    "pystator_stores.migrations.runner",
    "pystator_stores.migrations.sqlite",
    "pystator_stores.postgres",
    "pystator_stores.redis",
    "pystator_stores.schema",
    "pystator_stores.sqlite",
    "pystator_stores.urls",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_every_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    assert [n for n in exported if not hasattr(module, n)] == []
