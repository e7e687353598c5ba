"""Guards: registered callables and config-borne conditions that decide whether a transition fires."""

from pystator.guards.registry import GuardFn, GuardRegistry

__all__ = ["GuardFn", "GuardRegistry"]
