"""Public names of actions, hooks, sinks and diagrams: README import paths and explicit ``__all__``."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "pystator.actions",
    "pystator.actions.branch",
    "pystator.actions.builtins",
    "pystator.actions.code",
    "pystator.actions.effects",
    "pystator.actions.execution",
    "pystator.actions.executor",
    "pystator.actions.http",
    "pystator.actions.options",
    "pystator.actions.paths",
    "pystator.actions.specs",
    "pystator.actions.templates",
    "pystator.diagrams",
    "pystator.hooks",
    "pystator.sinks",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_module_declares_all_and_every_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    exported = module.__all__
    assert len(exported) == len(set(exported))
    assert [n for n in exported if not hasattr(module, n)] == []


def test_readme_import_paths() -> None:
    from pystator import (
        ActionExecutor,
        ExecutionResult,
        LoggingHook,
        MetricsCollector,
        StructuredLoggingHook,
        TransitionHook,
        TransitionObserver,
        builtin_registries,
        to_dot,
        to_mermaid,
    )
    from pystator.actions import ActionExecutor as FromActions
    from pystator.sinks import EventSink, MetricSink

    assert ActionExecutor is FromActions
    assert all(
        callable(x)
        for x in (
            ExecutionResult,
            LoggingHook,
            MetricsCollector,
            StructuredLoggingHook,
            TransitionHook,
            TransitionObserver,
            builtin_registries,
            to_dot,
            to_mermaid,
            EventSink,
            MetricSink,
        )
    )
