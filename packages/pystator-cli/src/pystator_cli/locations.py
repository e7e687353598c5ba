"""Where in a machine file a problem is: from a config path (``transitions[2].dest``) to the line.

Validation reports problems by config path; editors and people want ``file:line``. The file is
composed (not constructed) with ruamel.yaml, which keeps the line of every node, and the path is
walked through the node tree as far as it goes: a missing key points at its parent mapping. JSON
files are read the same way (JSON is YAML 1.2). Paths may start with submachine file references
(``payment.yaml:states[0].name``), resolved against the directory of the file that names them.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["Problem", "load_problem", "locate_problem", "parse_config_path", "split_problem"]

_KEY = r"[A-Za-z_$][A-Za-z0-9_$*]*"
_INDEX = r"\[(?:\d+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]"
_PATH = rf"(?:{_KEY}|{_INDEX})(?:\.{_KEY}|{_INDEX})*"
_FILE_PREFIX = re.compile(r"^(?P<file>[^\s:]+\.(?:ya?ml|json)):(?=\S)", re.IGNORECASE)
_PATH_PREFIX = re.compile(rf"^(?P<path>{_PATH}): (?P<message>.*)$", re.DOTALL)
_LINE_PREFIX = re.compile(r"^(\d+): (.*)$", re.DOTALL)
_STEP = re.compile(rf"\.?({_KEY})|\[(\d+|'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\")\]")


@dataclass(frozen=True)
class Problem:
    """One problem of one file: ``file:line: path: message`` (line 0: unknown; path "": none)."""

    file: str
    line: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"

    def styled(self, styler: Any) -> str:
        """``str(self)`` with the location and path styled by ``styler(text, **style)``."""
        where = styler(f"{self.file}:{self.line}" if self.line else self.file, bold=True)
        if not self.path:
            return f"{where}: {self.message}"
        return f"{where}: {styler(self.path, fg='cyan')}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line or None, "path": self.path, "message": self.message}


def parse_config_path(text: str) -> list[str | int]:
    """``states[3].name`` -> ``["states", 3, "name"]``; ``['a b']`` -> ``["a b"]``."""
    parts: list[str | int] = []
    for match in _STEP.finditer(text):
        key, index = match.group(1), match.group(2)
        if key is not None:
            parts.append(key)
        elif index.isdigit():
            parts.append(int(index))
        else:
            parts.append(str(ast.literal_eval(index)))
    return parts


def split_problem(text: str) -> tuple[list[str], str, str]:
    """A validation line -> (submachine files, config path, message); the path is "" when the line
    names none (``config`` stands for the whole document and is kept)."""
    files: list[str] = []
    rest = text
    while match := _FILE_PREFIX.match(rest):
        files.append(match.group("file"))
        rest = rest[match.end() :]
    found = _PATH_PREFIX.match(rest)
    if found is None:
        return files, "", rest
    return files, found.group("path"), found.group("message")


def locate_problem(file: str, text: str) -> Problem:
    """The ``Problem`` for one validation or lint line about ``file``, with its line when found."""
    files, path, message = split_problem(text)
    target = Path(file)
    for name in files:
        target = target.parent / name
    shown = str(target) if files else file
    if not path:
        numbered = _LINE_PREFIX.match(message)
        if numbered is not None:  # a file's own read error: "LINE: problem"
            return Problem(shown, int(numbered.group(1)), "", numbered.group(2))
        return Problem(shown, 0, "", message)
    parts = [] if path == "config" else parse_config_path(path)
    return Problem(shown, _line_of(target, parts), path, message)


def load_problem(file: str, text: str) -> Problem | None:
    """The ``Problem`` for a read error of ``file`` itself (``FILE:LINE: problem``), else None."""
    prefix = f"{file}:"
    if not text.startswith(prefix):
        return None
    rest = text[len(prefix) :]
    numbered = _LINE_PREFIX.match(rest)
    if numbered is not None:
        return Problem(file, int(numbered.group(1)), "", numbered.group(2))
    return Problem(file, 0, "", rest.strip())


def _line_of(file: Path, parts: list[str | int]) -> int:
    """1-based line of the deepest node of ``parts`` present in ``file``; 0 when unreadable."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        text = file.read_text(encoding="utf-8-sig")
        node = YAML(typ="safe", pure=True).compose(text)
    except (OSError, UnicodeDecodeError, YAMLError, RecursionError):
        return 0
    if node is None:
        return 0
    line: int = node.start_mark.line + 1
    for step in parts:
        found = _child(node, step)
        if found is None:
            break
        anchor, node = found
        line = anchor.start_mark.line + 1
    return line


def _child(node: Any, step: str | int) -> tuple[Any, Any] | None:
    """(the node whose line to report, the node to continue from) for one step, or None."""
    from ruamel.yaml.nodes import MappingNode, ScalarNode, SequenceNode

    if isinstance(node, MappingNode) and isinstance(step, str):
        for key, value in node.value:
            if isinstance(key, ScalarNode) and key.value == step:
                return key, value
    if isinstance(node, SequenceNode) and isinstance(step, int) and 0 <= step < len(node.value):
        item = node.value[step]
        return item, item
    return None
