"""What compiled expressions call at run time: budgeted operators, tolerant comparisons, functions.

Compiled expressions (see :mod:`pystator.expressions`) run as ordinary Python bytecode with no
builtins; every operation that could allocate without bound, or that Python refuses between two
types, is routed through one of the helpers below. The limits are module constants so that the
documentation, the tests and the helpers share one source of truth.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

__all__ = [
    "FUNCTIONS",
    "FUNCTION_ARITY",
    "FUNCTION_PREFIX",
    "HELPERS",
    "MAX_DEPTH",
    "MAX_INT_BITS",
    "MAX_NODES",
    "MAX_ROUND_DIGITS",
    "MAX_SEQUENCE_LENGTH",
    "MAX_SOURCE_LENGTH",
    "LimitExceeded",
    "runtime_namespace",
]

MAX_SOURCE_LENGTH = 2000
"""Characters in one expression's source."""
MAX_NODES = 400
"""Syntax tree nodes in one expression."""
MAX_DEPTH = 50
"""Nesting depth of the syntax tree (``a + b + c`` nests one level per ``+``)."""
MAX_INT_BITS = 4096
"""Bits of an integer produced by ``*`` or ``**`` (about 1,233 decimal digits)."""
MAX_SEQUENCE_LENGTH = 10_000
"""Characters of a string, or items of a list/tuple, produced by ``+`` or ``*``."""
MAX_ROUND_DIGITS = 32
"""Largest ``abs(ndigits)`` accepted by ``round(x, ndigits)``."""

_SEQUENCES = (str, bytes, list, tuple)


class LimitExceeded(Exception):
    """An operation would exceed one of the evaluation budgets; ``limit`` names which."""

    def __init__(self, limit: str, message: str) -> None:
        super().__init__(message)
        self.limit = limit


def _is_int(value: Any) -> bool:
    return isinstance(value, int)


def _check_bits(bits: int) -> None:
    if bits > MAX_INT_BITS:
        raise LimitExceeded(
            "MAX_INT_BITS", f"integer result would need about {bits} bits (limit {MAX_INT_BITS})"
        )


def _check_length(length: int) -> None:
    if length > MAX_SEQUENCE_LENGTH:
        raise LimitExceeded(
            "MAX_SEQUENCE_LENGTH",
            f"result would have {length} items/characters (limit {MAX_SEQUENCE_LENGTH})",
        )


def _add(left: Any, right: Any) -> Any:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_length(len(left) + len(right))
    return left + right


def _mul(left: Any, right: Any) -> Any:
    if type(left) is float or type(right) is float:  # fast path: a float product cannot grow
        return left * right
    if _is_int(left) and _is_int(right):
        _check_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and _is_int(right):
        _check_length(len(left) * right)
    elif _is_int(left) and isinstance(right, _SEQUENCES):
        _check_length(left * len(right))
    return left * right


def _pow(base: Any, exponent: Any) -> Any:
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        _check_bits(math.ceil(exponent * math.log2(abs(base))))
    return base**exponent


def _mod(left: Any, right: Any) -> Any:
    if isinstance(left, str | bytes):
        raise TypeError("string formatting with '%' is not allowed in expressions")
    return left % right


def _lt(left: Any, right: Any) -> bool:
    try:
        return bool(left < right)
    except TypeError:
        return False


def _le(left: Any, right: Any) -> bool:
    try:
        return bool(left <= right)
    except TypeError:
        return False


def _gt(left: Any, right: Any) -> bool:
    try:
        return bool(left > right)
    except TypeError:
        return False


def _ge(left: Any, right: Any) -> bool:
    try:
        return bool(left >= right)
    except TypeError:
        return False


def _in(item: Any, container: Any) -> bool:
    try:
        return item in container
    except TypeError:
        return False


def _not_in(item: Any, container: Any) -> bool:
    try:
        return item not in container
    except TypeError:
        return False


def _field(value: Any, key: str) -> Any:
    """``value.key``: a key of a nested mapping; ``None`` when absent or not a mapping."""
    if type(value) is dict or isinstance(value, Mapping):
        return value.get(key)
    return None


def _item(container: Any, key: Any) -> Any:
    """``container[key]``: mappings by key, strings/lists/tuples by integer index; missing -> None."""
    if container is None:
        return None
    if type(container) is dict or isinstance(container, Mapping):
        return container.get(key)
    if isinstance(container, str | list | tuple):
        if not isinstance(key, int) or isinstance(key, bool):
            raise TypeError(f"an index into a {type(container).__name__} must be an integer, got {key!r}")
        try:
            return container[key]
        except IndexError:
            return None
    raise TypeError(f"cannot index into a value of type {type(container).__name__}")


def _round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if not isinstance(ndigits, int) or abs(ndigits) > MAX_ROUND_DIGITS:
        raise LimitExceeded(
            "MAX_ROUND_DIGITS",
            f"round() takes ndigits between -{MAX_ROUND_DIGITS} and {MAX_ROUND_DIGITS}, got {ndigits!r}",
        )
    return round(number, ndigits)


def _lower(text: Any) -> Any:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"lower() takes a string, got {type(text).__name__}")
    return text.lower()


def _upper(text: Any) -> Any:
    if text is None:
        return None
    if not isinstance(text, str):
        raise TypeError(f"upper() takes a string, got {type(text).__name__}")
    return text.upper()


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "abs": abs,
    "bool": bool,
    "float": float,
    "int": int,
    "len": len,
    "lower": _lower,
    "max": max,
    "min": min,
    "round": _round,
    "str": str,
    "upper": _upper,
}

FUNCTION_ARITY: dict[str, tuple[int, int | None]] = {
    "abs": (1, 1),
    "bool": (1, 1),
    "float": (1, 1),
    "int": (1, 2),
    "len": (1, 1),
    "lower": (1, 1),
    "max": (1, None),
    "min": (1, None),
    "round": (1, 2),
    "str": (1, 1),
    "upper": (1, 1),
}
"""Allowed functions and their (minimum, maximum) positional argument counts (None: no maximum)."""

HELPERS: dict[str, Callable[..., Any]] = {
    "_add": _add,
    "_mul": _mul,
    "_pow": _pow,
    "_mod": _mod,
    "_lt": _lt,
    "_le": _le,
    "_gt": _gt,
    "_ge": _ge,
    "_in": _in,
    "_not_in": _not_in,
    "_field": _field,
    "_item": _item,
}

FUNCTION_PREFIX = "_fn_"


def runtime_namespace() -> dict[str, Any]:
    """Globals for one compiled expression: the helpers and functions, and no builtins at all."""
    namespace: dict[str, Any] = {"__builtins__": {}}
    namespace.update(HELPERS)
    namespace.update({FUNCTION_PREFIX + name: fn for name, fn in FUNCTIONS.items()})
    return namespace
