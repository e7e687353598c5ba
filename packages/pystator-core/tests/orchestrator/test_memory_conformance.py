"""The Orchestrator's promises hold on ``InMemoryStateStore``."""

from __future__ import annotations

import pytest

from pystator.stores import InMemoryStateStore
from pystator.testing.orchestrator_conformance import OrchestratorStoreConformance


class TestOrchestratorOnInMemoryStore(OrchestratorStoreConformance):
    @pytest.fixture
    def store(self) -> InMemoryStateStore:
        return InMemoryStateStore()
