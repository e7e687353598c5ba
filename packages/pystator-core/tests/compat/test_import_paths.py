"""Every public name the compatibility page and the product README use resolves, from ``pystator``
and from the submodule named there, and is listed in ``__all__``."""

from __future__ import annotations

import importlib

import pytest

import pystator

# (name, submodule) for every name of compat-surface.md.
COMPAT_NAMES = [
    ("Event", "pystator.event"),
    ("TransitionResult", "pystator.result"),
    ("ActionSpec", "pystator.result"),
    ("StateMachine", "pystator.machine"),
    ("DestinationCheckResult", "pystator.destination"),
    ("DestinationCandidate", "pystator.destination"),
    ("EntitySession", "pystator.session"),
    ("GuardRegistry", "pystator.guards"),
    ("ActionRegistry", "pystator.actions"),
    ("ActionResult", "pystator.actions"),
    ("ActionStatus", "pystator.actions"),
    ("ActionExecutor", "pystator.actions"),
    ("ExecutionResult", "pystator.actions"),
    ("StateStore", "pystator.stores"),
    ("AsyncStateStore", "pystator.stores"),
    ("VersionedStateStore", "pystator.stores"),
    ("AsyncVersionedStateStore", "pystator.stores"),
    ("InMemoryStateStore", "pystator.stores"),
    ("StaleVersionError", "pystator.errors"),
    ("FSMError", "pystator.errors"),
    ("GuardNotFoundError", "pystator.errors"),
    ("ActionNotFoundError", "pystator.errors"),
    ("Orchestrator", "pystator.orchestrator"),
    ("ContextValidatorFn", "pystator.orchestrator"),
    ("TransitionHook", "pystator.hooks"),
    ("TransitionObserver", "pystator.hooks"),
    ("MetricsCollector", "pystator.hooks"),
    ("LoggingHook", "pystator.hooks"),
    ("AsyncioScheduler", "pystator.scheduler"),
    ("ScheduledTask", "pystator.scheduler"),
    ("TaskStatus", "pystator.scheduler"),
]

# Names the product README imports from ``pystator``.
README_NAMES = [
    "ActionRegistry",
    "ContextValidatorFn",
    "EntitySession",
    "ErrorCode",
    "FSMError",
    "GuardRegistry",
    "GuardRejectedError",
    "InMemoryStateStore",
    "InvalidTransitionError",
    "LoggingHook",
    "MetricsCollector",
    "Orchestrator",
    "StaleVersionError",
    "StateMachine",
    "TerminalStateError",
    "TransitionHook",
    "TransitionObserver",
    "UndefinedTriggerError",
    "validate_config",
]


@pytest.mark.parametrize(("name", "module"), COMPAT_NAMES)
def test_compat_name_from_both_paths(name: str, module: str) -> None:
    assert getattr(pystator, name) is getattr(importlib.import_module(module), name)
    assert name in pystator.__all__


@pytest.mark.parametrize("name", README_NAMES)
def test_readme_name(name: str) -> None:
    assert name in pystator.__all__
    assert getattr(pystator, name) is not None


def test_readme_submodule_names() -> None:
    from pystator.actions import ActionExecutor
    from pystator.config.ports import API_PORT
    from pystator.lint import lint
    from pystator.scheduler import AsyncioScheduler

    assert API_PORT == 8004
    assert callable(lint) and callable(ActionExecutor) and callable(AsyncioScheduler)
    assert importlib.import_module("pystator.sinks").__all__


def test_readme_lint() -> None:
    from pystator.lint import lint

    config = {
        "meta": {"version": "1", "machine_name": "m"},
        "states": [{"name": "a", "type": "initial"}, {"name": "b"}, {"name": "orphan"}],
        "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
    }
    warnings = lint(config)
    assert any("orphan" in str(w) for w in warnings)
