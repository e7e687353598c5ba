"""Cheaper construction of frozen, slotted dataclasses on the store's hot path.

A frozen dataclass sets each field through ``object.__setattr__``, a name lookup per field; every
stored event builds several records, and that cost is a measurable share of an in-memory event.

``fast_frozen_init`` replaces the generated ``__init__`` by one with the same signature, defaults and
``__post_init__`` that, for an instance of exactly the decorated class, lends the instance for the
time of the assignments to a private unfrozen twin (``__class__`` assignment between
layout-compatible classes), so that each field is one plain slot store, then gives it its class
back. Instances of subclasses, and classes whose layout does not allow it, get each slot's
descriptor called directly instead. Instances stay frozen either way.

The twin is a subclass adding no slots whose ``__setattr__`` and ``__delattr__`` are ``object``'s:
its attribute stores are the generic ones (which the interpreter specialises to slot stores), and
because its layout is its base's, a ``__class__`` assignment between the two is accepted without
comparing their slot lists, which makes it a third cheaper than between unrelated classes. It is
private: no instance leaves the constructor with it (it does show in ``cls.__subclasses__()``).

``fast_builder`` gives the stores a private constructor for such a class: every field positional, no
defaults, and one class assignment instead of two (the instance starts as the unfrozen twin). It is
for classes without ``__post_init__`` only, so that it skips no check.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["fast_builder", "fast_frozen_init", "fast_frozen_init_checked", "unfrozen_twin"]

C = TypeVar("C", bound=type)
T = TypeVar("T")

_NO_DEFAULT = dataclasses.MISSING
# The ``__class__`` descriptor's setter itself: the same checks as ``object.__setattr__(o,
# "__class__", t)`` (layout compatibility, audit hook) without the generic attribute lookup. It is
# needed to take a frozen instance to its twin; the way back is a plain ``twin.__class__ = cls``
# (the twin's ``__setattr__`` is object's: one attribute store, cheaper than calling the setter).
_SET_CLASS: Callable[[object, type], None] = object.__dict__["__class__"].__set__
_TWINS: dict[type, type | None] = {}
# A display builds the same new empty value as calling its type, without the call.
_LITERALS: dict[object, str] = {dict: "{}", list: "[]"}


def unfrozen_twin(cls: type) -> type | None:
    """The unfrozen twin of a class decorated with ``fast_frozen_init`` (None: its layout has none)."""
    return _TWINS[cls]


def _unfrozen_twin(cls: type) -> type | None:
    """An unfrozen subclass of ``cls`` whose instances may take ``cls`` as their class and back."""
    namespace = {
        "__slots__": (),
        "__init__": object.__init__,  # ``twin()``: an empty instance, cheaper than object.__new__(twin)
        "__setattr__": object.__setattr__,
        "__delattr__": object.__delattr__,
    }
    twin = type(f"_{cls.__name__}Builder", (cls,), namespace)
    try:
        probe: Any = object.__new__(cls)
        _SET_CLASS(probe, twin)
        _SET_CLASS(probe, cls)
    except TypeError:  # layouts differ: keep the descriptor path
        return None
    return twin


def _compile(name: str, source: str, namespace: dict[str, Any], qualname: str) -> Any:
    exec(source, namespace)  # generated from the class's own field names only
    function = namespace[name]
    function.__qualname__ = qualname
    return function


def fast_frozen_init(cls: C) -> C:
    return _install(cls, None, {})


def fast_frozen_init_checked(well_formed: str, **names: object) -> Callable[[C], C]:
    """``fast_frozen_init`` whose ``__init__`` skips ``__post_init__`` when ``well_formed`` holds.

    ``well_formed`` is a Python expression over the field names (and ``names``), evaluated on the
    values just set, defaults applied: without a call, and with locals instead of attribute loads.
    Only for a ``__post_init__`` that, on values for which the expression holds, neither raises nor
    changes anything. Instances of subclasses always run their ``__post_init__``.
    """

    def decorate(cls: C) -> C:
        if not hasattr(cls, "__post_init__"):
            raise TypeError(f"fast_frozen_init_checked: {cls.__name__} has no __post_init__")
        return _install(cls, well_formed, names)

    return decorate


def _install(cls: C, well_formed: str | None, names: dict[str, object]) -> C:
    params = dataclasses.fields(cls)
    twin = _unfrozen_twin(cls)
    _TWINS[cls] = twin
    namespace: dict[str, Any] = {
        **names,
        "_MISSING": _NO_DEFAULT,
        "_cls": cls,
        "_twin": twin,
        "_set_class": _SET_CLASS,
    }
    signature: list[str] = []
    body: list[str] = []
    for field in params:
        name = field.name
        namespace[f"_set_{name}"] = getattr(cls, name).__set__
        if field.default is not _NO_DEFAULT:
            namespace[f"_default_{name}"] = field.default
            signature.append(f"{name}=_default_{name}")
        elif field.default_factory is not _NO_DEFAULT:
            namespace[f"_factory_{name}"] = field.default_factory
            signature.append(f"{name}=_MISSING")
            body.append(f"    if {name} is _MISSING:")
            body.append(f"        {name} = {_LITERALS.get(field.default_factory, f'_factory_{name}()')}")
        else:
            signature.append(name)
    fields = [field.name for field in params]
    if twin is not None:
        body.append("    if type(self) is _cls:")
        body.append("        _set_class(self, _twin)")
        body.extend(f"        self.{name} = {name}" for name in fields)
        body.append("        self.__class__ = _cls")
        body.append("    else:")
        body.extend(f"        _set_{name}(self, {name})" for name in fields)
    else:
        body.extend(f"    _set_{name}(self, {name})" for name in fields)
    if hasattr(cls, "__post_init__"):
        namespace["_post_init"] = cls.__post_init__
        if well_formed is None:
            body.append("    _post_init(self) if type(self) is _cls else self.__post_init__()")
        else:
            body.append("    if type(self) is not _cls:")
            body.append("        self.__post_init__()")
            body.append(f"    elif not ({well_formed}):")
            body.append("        _post_init(self)")
    source = f"def __init__(self, {', '.join(signature)}):\n" + "\n".join(body) + "\n"
    cls.__init__ = _compile("__init__", source, namespace, f"{cls.__qualname__}.__init__")  # type: ignore[misc]
    return cls


def fast_builder(cls: type[T]) -> Callable[..., T]:
    """A private constructor of ``cls`` (decorated with ``fast_frozen_init``) taking every field in order."""
    if cls not in _TWINS or hasattr(cls, "__post_init__"):
        raise TypeError(f"fast_builder: {cls.__name__} needs fast_frozen_init and no __post_init__")
    names = [field.name for field in dataclasses.fields(cls)]  # type: ignore[arg-type]
    twin = _TWINS[cls]
    namespace: dict[str, Any] = {"_cls": cls, "_twin": twin, "_new": object.__new__}
    if twin is not None:
        body = [
            "    self = _twin()",
            *(f"    self.{n} = {n}" for n in names),
            "    self.__class__ = _cls",
        ]
    else:
        namespace.update({f"_set_{n}": getattr(cls, n).__set__ for n in names})
        body = ["    self = _new(_cls)", *(f"    _set_{n}(self, {n})" for n in names)]
    source = f"def build({', '.join(names)}):\n" + "\n".join([*body, "    return self"]) + "\n"
    builder: Callable[..., T] = _compile("build", source, namespace, f"{cls.__qualname__}._build")
    return builder
