"""Transition lifecycle hooks: the ``TransitionHook`` protocol, the observer and ready-made hooks."""

from pystator.hooks.log_hooks import LoggingHook, StructuredLoggingHook
from pystator.hooks.metrics import MetricsCollector
from pystator.hooks.observer import TransitionObserver
from pystator.hooks.protocol import HOOK_METHODS, TransitionHook

__all__ = [
    "HOOK_METHODS",
    "LoggingHook",
    "MetricsCollector",
    "StructuredLoggingHook",
    "TransitionHook",
    "TransitionObserver",
]
