"""Reading machine files safely: YAML (ruamel.yaml, YAML 1.2, safe) and JSON.

Hostile or careless input gets a clear ``ConfigurationError`` naming the file and line instead of
a hang, a memory blow-up or a silently different meaning:

- files larger than ``max_bytes`` (4 MiB by default) are refused before they are parsed;
- YAML anchors and aliases are refused (a few hundred bytes of aliases expand to gigabytes);
- nesting deeper than ``MAX_DEPTH`` levels is refused (no ``RecursionError`` from deep input);
- duplicate keys are errors naming both lines; YAML 1.2 keeps ``on``/``off``/``yes``/``no`` as
  strings, and timestamps stay text; unknown tags (``!!python/object``) are refused;
- the document must be one mapping.

ruamel.yaml is imported inside the functions that read YAML, so ``import pystator`` stays light.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Literal

from pystator.errors import ConfigurationError

__all__ = ["MAX_DEPTH", "MAX_FILE_BYTES", "load_file", "load_json", "load_yaml"]

MAX_FILE_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 100

_JSON_SUFFIXES = {".json"}


class _Refused(Exception):
    """A problem found while reading, with the 1-based line it was found on (0: unknown)."""

    def __init__(self, problem: str, line: int = 0) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line


def _fail(source: str, problem: str, line: int = 0) -> ConfigurationError:
    where = f"{source}:{line}" if line else source
    return ConfigurationError(f"cannot load {where}: {problem}", errors=[f"{where}: {problem}"])


def load_file(
    path: str | os.PathLike[str],
    *,
    format: Literal["yaml", "json"] | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> dict[str, Any]:
    """Read a machine file into plain data: as ``format``, or by suffix (``.json`` as JSON,
    anything else as YAML).

    Raises ``ConfigurationError`` (with ``.errors``) for an unreadable, oversized or malformed file.
    """
    source = os.fspath(path)
    try:
        with open(source, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        raise _fail(source, f"cannot read the file: {exc.strerror or exc}") from exc
    if len(raw) > max_bytes:
        raise _fail(source, f"the file is larger than {max_bytes} bytes; refusing to parse it")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise _fail(source, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    if format is None:
        format = "json" if os.path.splitext(source)[1].lower() in _JSON_SUFFIXES else "yaml"
    if format == "json":
        return load_json(text, source=source, max_chars=max_bytes)
    return load_yaml(text, source=source, max_chars=max_bytes)


def load_yaml(text: str, *, source: str = "<yaml>", max_chars: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Parse YAML text (one document, a mapping) with the rules of the module docstring."""
    if len(text) > max_chars:
        raise _fail(source, f"the document is longer than {max_chars} characters; refusing to parse it")
    from ruamel.yaml.error import MarkedYAMLError, YAMLError

    try:
        data = _yaml_reader().load(text)
    except _Refused as exc:
        raise _fail(source, exc.problem, exc.line) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        raise _fail(source, problem or "invalid YAML", mark.line + 1 if mark is not None else 0) from None
    except YAMLError as exc:
        raise _fail(source, str(exc) or "invalid YAML") from None
    except RecursionError:
        raise _fail(source, f"the document nests too deeply (limit {MAX_DEPTH} levels)") from None
    return _as_mapping(data, source)


def load_json(text: str, *, source: str = "<json>", max_chars: int = MAX_FILE_BYTES) -> dict[str, Any]:
    """Parse JSON text (a single object) with duplicate keys, NaN and deep nesting refused."""
    if len(text) > max_chars:
        raise _fail(source, f"the document is longer than {max_chars} characters; refusing to parse it")
    import json

    try:
        data = json.loads(text, object_pairs_hook=_unique_pairs, parse_constant=_no_constant)
    except _Refused as exc:
        key = exc.problem
        found = _find_duplicate_json_key(text, key)
        if found is None:
            raise _fail(source, f"duplicate key {key!r}") from None
        raise _fail(source, f"duplicate key {key!r} (first at line {found[1]})", found[0]) from None
    except ValueError as exc:
        line = getattr(exc, "lineno", 0)
        message = getattr(exc, "msg", str(exc))
        raise _fail(source, f"invalid JSON: {message}", line) from None
    except RecursionError:
        raise _fail(source, f"the document nests too deeply (limit {MAX_DEPTH} levels)") from None
    if _depth(data) > MAX_DEPTH:
        raise _fail(source, f"the document nests deeper than {MAX_DEPTH} levels")
    return _as_mapping(data, source)


def _as_mapping(data: Any, source: str) -> dict[str, Any]:
    if data is None:
        raise _fail(source, "the document is empty; expected a mapping with states and transitions")
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"a {type(data).__name__}"
        raise _fail(source, f"expected a mapping with states and transitions at the top level, got {kind}")
    return data


# --------------------------------------------------------------------------- YAML


def _yaml_reader() -> Any:
    """A ruamel.yaml safe, pure-Python (YAML 1.2) loader with the guards of this module."""
    from ruamel.yaml import YAML
    from ruamel.yaml.composer import Composer
    from ruamel.yaml.constructor import SafeConstructor
    from ruamel.yaml.events import AliasEvent
    from ruamel.yaml.nodes import ScalarNode

    class GuardedComposer(Composer):
        nesting = 0

        def compose_node(self, parent: Any, index: Any) -> Any:
            event = self.parser.peek_event()
            line = event.start_mark.line + 1
            if isinstance(event, AliasEvent):
                raise _Refused(f"aliases (*{event.anchor}) are not allowed in machine files", line)
            if getattr(event, "anchor", None) is not None:
                raise _Refused(f"anchors (&{event.anchor}) are not allowed in machine files", line)
            self.nesting += 1
            if self.nesting > MAX_DEPTH:
                raise _Refused(f"the document nests deeper than {MAX_DEPTH} levels", line)
            try:
                return super().compose_node(parent, index)
            finally:
                self.nesting -= 1

        def compose_mapping_node(self, anchor: Any) -> Any:
            node = super().compose_mapping_node(anchor)
            first_lines: dict[tuple[str, str], int] = {}
            for key, _ in node.value:
                if not isinstance(key, ScalarNode):
                    continue
                identity = (str(key.tag), key.value)
                line = key.start_mark.line + 1
                if identity in first_lines:
                    raise _Refused(
                        f"duplicate key {key.value!r} (first at line {first_lines[identity]})", line
                    )
                first_lines[identity] = line
            return node

    class TextTimestampConstructor(SafeConstructor):
        """Dates and times stay the text the author wrote; configs carry no datetime objects."""

        def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
            return self.construct_scalar(node)

    TextTimestampConstructor.add_constructor(
        "tag:yaml.org,2002:timestamp", TextTimestampConstructor.construct_yaml_timestamp
    )
    reader = YAML(typ="safe", pure=True)
    reader.Composer = GuardedComposer
    reader.Constructor = TextTimestampConstructor
    reader.allow_duplicate_keys = False
    return reader


# --------------------------------------------------------------------------- JSON


def _unique_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(key)
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


def _depth(data: Any) -> int:
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, level = stack.pop()
        if isinstance(value, dict | list):
            deepest = max(deepest, level)
            if level > MAX_DEPTH:
                return level
            children = value.values() if isinstance(value, dict) else value
            stack.extend((child, level + 1) for child in children)
    return deepest


def _find_duplicate_json_key(text: str, key: str) -> tuple[int, int] | None:
    """(line of the repeated key, line of its first occurrence) in the same object of ``text``."""
    stack: list[tuple[dict[str, int] | None, list[bool]]] = []
    line = 1
    for token, value, token_line in _json_tokens(text):
        line = token_line
        if token in "{[":
            stack.append(({} if token == "{" else None, [token == "{"]))
        elif token in "}]":
            stack.pop()
        elif token == "," and stack and stack[-1][0] is not None:
            stack[-1][1][0] = True
        elif token == "s" and stack and stack[-1][0] is not None and stack[-1][1][0]:
            keys = stack[-1][0]
            stack[-1][1][0] = False
            if value in keys and value == key:
                return line, keys[value]
            keys.setdefault(value, line)
    return None


def _json_tokens(text: str) -> Iterator[tuple[str, str, int]]:
    """Structural tokens of valid JSON: brackets, commas and strings ("s"), with their line."""
    import json

    line = 1
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\n":
            line += 1
        elif char == '"':
            end = i + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            yield "s", json.loads(text[i : end + 1]), line
            i = end
        elif char in "{}[],":
            yield char, "", line
        i += 1
