"""``FrozenDict``: a ``dict`` that refuses mutation.

Results are frozen values that the engine memoises and hands to many callers, so their mappings
(``metadata``, action ``params``) must not be changeable in place. Being a real ``dict`` keeps them
JSON-serialisable and usable wherever a dict is expected (``dict(m)``, ``{**m}``, ``json.dumps(m)``).
"""

from __future__ import annotations

from typing import Any, NoReturn

__all__ = ["FrozenDict"]


class FrozenDict(dict[str, Any]):
    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("this mapping is part of a frozen result and cannot be changed; copy it with dict()")

    __setitem__ = _refuse
    __delitem__ = _refuse
    __ior__ = _refuse
    clear = _refuse
    pop = _refuse
    popitem = _refuse
    setdefault = _refuse
    update = _refuse

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __repr__(self) -> str:
        return f"FrozenDict({dict.__repr__(self)})"

    def __copy__(self) -> FrozenDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> FrozenDict:
        import copy

        return FrozenDict({k: copy.deepcopy(v, memo) for k, v in self.items()})

    def __reduce__(self) -> tuple[Any, ...]:
        return (FrozenDict, (dict(self),))
