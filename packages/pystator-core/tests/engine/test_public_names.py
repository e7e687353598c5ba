"""Public names of the engine: README and compatibility import paths, and an explicit ``__all__``
in every engine module whose names all resolve."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import pystator.engine

ENGINE_MODULES = sorted(
    f"pystator.engine.{info.name}" for info in pkgutil.iter_modules(pystator.engine.__path__)
)
MODULES = ["pystator.engine", *ENGINE_MODULES, "pystator.machine", "pystator.builder", "pystator.destination"]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_every_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    assert [n for n in exported if not hasattr(module, n)] == []


def test_readme_and_compat_import_paths() -> None:
    import pystator
    from pystator import (  # noqa: F401
        DestinationCandidate,
        DestinationCheckResult,
        ErrorCode,
        Event,
        FSMError,
        GuardRegistry,
        GuardRejectedError,
        InvalidTransitionError,
        ParallelConfiguration,
        StaleVersionError,
        StateInfo,
        StateMachine,
        StateMachineBuilder,
        TerminalStateError,
        TransitionInfo,
        TransitionResult,
        UndefinedTriggerError,
        validate_config,
    )

    for name in ("StateMachine", "StateMachineBuilder", "DestinationCheckResult", "validate_config"):
        assert name in pystator.__all__


def test_importing_pystator_does_not_import_the_contract_models() -> None:
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-c", "import sys, pystator; print('pystator_contracts.machine' in sys.modules)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.strip() == "False"
