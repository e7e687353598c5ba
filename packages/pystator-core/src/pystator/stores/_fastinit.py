"""``fast_frozen_init``: a cheaper ``__init__`` for frozen, slotted dataclasses on the store's hot path.

A frozen dataclass sets each field through ``object.__setattr__``, a name lookup per field; every
stored event builds several records, and that cost is a measurable share of an in-memory event.
This replaces the generated ``__init__`` by one with the same signature, defaults and
``__post_init__`` that, for an instance of exactly the decorated class, lends the instance for the
time of the assignments to a private unfrozen class with the same slots (``__class__`` assignment
between layout-compatible classes), so that each field is one plain slot store, then gives it its
class back. Instances of subclasses, and classes whose layout does not allow it, get each slot's
descriptor called directly instead. Instances stay frozen either way.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

__all__ = ["fast_frozen_init"]

C = TypeVar("C", bound=type)

_NO_DEFAULT = dataclasses.MISSING


def _unfrozen_twin(cls: type) -> type | None:
    """A plain class with ``cls``'s slots whose instances may take ``cls`` as their class and back."""
    slots = tuple(getattr(cls, "__slots__", ()))
    twin = type(f"_{cls.__name__}Builder", (), {"__slots__": slots})
    try:
        probe: Any = object.__new__(cls)
        object.__setattr__(probe, "__class__", twin)
        object.__setattr__(probe, "__class__", cls)
    except TypeError:  # layouts differ: keep the descriptor path
        return None
    return twin


def fast_frozen_init(cls: C) -> C:
    params = dataclasses.fields(cls)
    twin = _unfrozen_twin(cls)
    namespace: dict[str, Any] = {
        "_MISSING": _NO_DEFAULT,
        "_cls": cls,
        "_twin": twin,
        "_set_class": object.__setattr__,
    }
    signature: list[str] = []
    values: list[tuple[str, str]] = []
    for field in params:
        name = field.name
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        if field.default is not _NO_DEFAULT:
            namespace[f"_default_{name}"] = field.default
            signature.append(f"{name}=_default_{name}")
            values.append((name, name))
        elif field.default_factory is not _NO_DEFAULT:
            namespace[f"_factory_{name}"] = field.default_factory
            signature.append(f"{name}=_MISSING")
            values.append((name, f"_factory_{name}() if {name} is _MISSING else {name}"))
        else:
            signature.append(name)
            values.append((name, name))
    body: list[str] = []
    if twin is not None:
        body.append("    if type(self) is _cls:")
        body.append("        _set_class(self, '__class__', _twin)")
        body.extend(f"        self.{name} = {value}" for name, value in values)
        body.append("        _set_class(self, '__class__', _cls)")
        body.append("    else:")
        body.extend(f"        _set_{name}(self, {value})" for name, value in values)
    else:
        body.extend(f"    _set_{name}(self, {value})" for name, value in values)
    if hasattr(cls, "__post_init__"):
        namespace["_post_init"] = cls.__post_init__
        body.append("    _post_init(self) if type(self) is _cls else self.__post_init__()")
    source = f"def __init__(self, {', '.join(signature)}):\n" + "\n".join(body) + "\n"
    exec(source, namespace)  # generated from the class's own field names only
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    return cls
