"""``fast_frozen_init``: a cheaper ``__init__`` for frozen, slotted dataclasses on the store's hot path.

A frozen dataclass sets each field through ``object.__setattr__``, a name lookup per field; every
stored event builds several records, and that lookup is a measurable share of an in-memory event.
This replaces the generated ``__init__`` by one with the same signature, defaults and
``__post_init__`` that calls each slot's descriptor directly. Instances stay frozen.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_frozen_init"]

C = TypeVar("C", bound=type)

_NO_DEFAULT = dataclasses.MISSING


def fast_frozen_init(cls: C) -> C:
    params = dataclasses.fields(cls)
    namespace: dict[str, Any] = {"_MISSING": _NO_DEFAULT}
    signature: list[str] = []
    body: list[str] = []
    for field in params:
        name = field.name
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        if field.default is not _NO_DEFAULT:
            namespace[f"_default_{name}"] = field.default
            signature.append(f"{name}=_default_{name}")
            body.append(f"    _set_{name}(self, {name})")
        elif field.default_factory is not _NO_DEFAULT:
            namespace[f"_factory_{name}"] = field.default_factory
            signature.append(f"{name}=_MISSING")
            body.append(f"    _set_{name}(self, _factory_{name}() if {name} is _MISSING else {name})")
        else:
            signature.append(name)
            body.append(f"    _set_{name}(self, {name})")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    source = f"def __init__(self, {', '.join(signature)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # generated from the class's own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls
