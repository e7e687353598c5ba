"""The Orchestrator: load -> validate -> process -> persist atomically -> timers -> actions -> record.

See ``pystator.orchestrator.orchestrator`` and docs/guides/orchestrator.md.
"""

from pystator.orchestrator.orchestrator import Orchestrator
from pystator.orchestrator.running import IDEMPOTENCY_CONTEXT_KEY
from pystator.orchestrator.validation import ContextValidatorFn

__all__ = ["IDEMPOTENCY_CONTEXT_KEY", "ContextValidatorFn", "Orchestrator"]
