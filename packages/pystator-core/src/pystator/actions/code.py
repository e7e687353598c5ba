"""Inline ``code:`` actions: Python snippets from the configuration, off unless explicitly enabled.

Threat model: **config authors are trusted code authors. This is not a sandbox.** Enabling the
feature lets whoever writes machine configurations run Python in your process. The restrictions
below (a reduced set of builtins, imports limited to an allowlist, no ``open``/``eval``/``exec``/
``getattr``) keep honest snippets honest and make mistakes loud; they do not stop a determined
author, because in-process Python cannot be confined.

Enable with ``ActionExecutor(..., allow_code=True)``, with a settings object whose
``features.inline_code_actions`` is true, or with the environment variable
``PYSTATOR_FEATURES_INLINE_CODE_ACTIONS=true`` (see ``pystator.actions.features``). Otherwise
every ``code:`` action fails with ``CodeActionsDisabledError`` and the snippet is never compiled.

A snippet sees ``ctx`` (also ``context``): its working copy of the context, which it may change;
``params``; and may set ``result`` to report a value. Its context changes are kept only if it
finishes without raising.
"""

from __future__ import annotations

import builtins
import threading
from collections.abc import Mapping
from types import CodeType
from typing import Any

from pystator.actions.features import feature_enabled, feature_env_var
from pystator.errors import ActionExecutionError

__all__ = [
    "ALLOWED_IMPORTS",
    "CODE_ACTIONS_ENV",
    "CodeActionError",
    "CodeActionsDisabledError",
    "code_actions_enabled",
    "run_code",
]

CODE_ACTIONS_ENV = feature_env_var("inline_code_actions")

ALLOWED_IMPORTS = frozenset(
    {
        "bisect",
        "collections",
        "datetime",
        "decimal",
        "fractions",
        "functools",
        "heapq",
        "itertools",
        "json",
        "math",
        "operator",
        "random",
        "re",
        "statistics",
        "string",
        "uuid",
        "zoneinfo",
    }
)

_SAFE_BUILTIN_NAMES = (
    "abs",
    "all",
    "any",
    "ascii",
    "bool",
    "bytes",
    "callable",
    "chr",
    "dict",
    "divmod",
    "enumerate",
    "filter",
    "float",
    "format",
    "frozenset",
    "hash",
    "hex",
    "int",
    "isinstance",
    "issubclass",
    "iter",
    "len",
    "list",
    "map",
    "max",
    "min",
    "next",
    "oct",
    "ord",
    "pow",
    "range",
    "repr",
    "reversed",
    "round",
    "set",
    "slice",
    "sorted",
    "str",
    "sum",
    "tuple",
    "zip",
    "ArithmeticError",
    "AssertionError",
    "AttributeError",
    "Exception",
    "IndexError",
    "KeyError",
    "LookupError",
    "NotImplementedError",
    "OverflowError",
    "RuntimeError",
    "StopIteration",
    "TypeError",
    "ValueError",
    "ZeroDivisionError",
)


class CodeActionsDisabledError(ActionExecutionError):
    """A ``code:`` action was planned but inline code actions are not enabled."""

    def __init__(self) -> None:
        super().__init__(
            "inline code actions are disabled: enable them with settings features.inline_code_actions "
            f"= true, the environment variable {CODE_ACTIONS_ENV}=true, or ActionExecutor(allow_code=True) "
            "— only if the authors of your machine configurations may run Python in this process",
            action_name="code",
        )


class CodeActionError(ActionExecutionError):
    """A snippet does not compile, imports something outside the allowlist, or raised."""


def code_actions_enabled(allow_code: bool | None = None, settings: Any = None) -> bool:
    """The gate: an explicit flag wins, then ``settings.features.inline_code_actions``, then the env."""
    return feature_enabled("inline_code_actions", flag=allow_code, settings=settings, default=False)


def _guarded_import(
    name: str,
    globals: Mapping[str, Any] | None = None,
    locals: Mapping[str, Any] | None = None,
    fromlist: tuple[str, ...] = (),
    level: int = 0,
) -> Any:
    if level != 0 or name.split(".", maxsplit=1)[0] not in ALLOWED_IMPORTS:
        allowed = ", ".join(sorted(ALLOWED_IMPORTS))
        raise ImportError(f"code action: import of {name!r} is not allowed; allowed modules: {allowed}")
    return __import__(name, globals, locals, fromlist, level)


_BUILTINS: dict[str, Any] = {name: getattr(builtins, name) for name in _SAFE_BUILTIN_NAMES}
_BUILTINS["__import__"] = _guarded_import

_compiled: dict[str, CodeType] = {}
_compiled_lock = threading.Lock()


def _compile(source: str) -> CodeType:
    code = _compiled.get(source)
    if code is None:
        try:
            code = compile(source, "<code action>", "exec")
        except SyntaxError as exc:
            raise CodeActionError(
                f"code action does not compile: {exc.msg} (line {exc.lineno})", action_name="code"
            ) from exc
        with _compiled_lock:
            if len(_compiled) >= 1024:
                _compiled.clear()
            _compiled[source] = code
    return code


def run_code(source: str, context: dict[str, Any], params: Mapping[str, Any]) -> Any:
    """Run a snippet against ``context`` (changed in place); returns the snippet's ``result``."""
    namespace: dict[str, Any] = {
        "__builtins__": _BUILTINS,
        "__name__": "pystator_code_action",
        "ctx": context,
        "context": context,
        "params": dict(params),
    }
    exec(_compile(source), namespace)
    return namespace.get("result")
