"""Feature switches for config-borne actions: ``features.inline_code_actions`` and ``features.http_actions``.

The same order everywhere: an explicit flag given to the executor wins; then a settings object
(``pystator_contracts.settings.Settings`` or anything with ``features.<key>``); then the
environment variable ``PYSTATOR_FEATURES_<KEY>`` (``true``/``1``/``yes``/``on`` or
``false``/``0``/``no``/``off``); then the default. The services (API, worker, CLI) load their
settings (``pystator.cfg`` and environment) and pass them in.
"""

from __future__ import annotations

import os
from typing import Any

__all__ = ["feature_enabled", "feature_env_var"]

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def feature_env_var(key: str) -> str:
    return f"PYSTATOR_FEATURES_{key.upper()}"


def feature_enabled(key: str, *, flag: bool | None, settings: Any, default: bool) -> bool:
    if flag is not None:
        return bool(flag)
    configured = getattr(getattr(settings, "features", None), key, None)
    if configured is not None:
        return bool(configured)
    raw = os.environ.get(feature_env_var(key), "").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    return default
