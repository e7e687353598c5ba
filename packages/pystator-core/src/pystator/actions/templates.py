"""``{{ name }}`` templates filled from the context: names and dotted paths only, no code.

Used by ``http`` actions (url, headers, body) and by the ``log`` / ``publish`` built-ins. A name
missing from the context is an error naming it, never a silent empty string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from pystator.actions.paths import MISSING, get_path

__all__ = ["TemplateError", "as_text", "render_template", "render_value", "template_names"]

_TEMPLATE = re.compile(r"\{\{(.*?)\}\}")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*$")


class TemplateError(ValueError):
    """A template names something that is not in the context, or is not a plain name."""


def _name_of(raw: str, template: str) -> str:
    name = raw.strip()
    if not _NAME.match(name):
        raise TemplateError(
            f"template {template!r}: '{{{{{raw}}}}}' is not a name or dotted path "
            "(templates substitute context values; they do not evaluate expressions)"
        )
    return name


def template_names(text: str) -> list[str]:
    """The context names a template uses, in order of appearance."""
    return [_name_of(m.group(1), text) for m in _TEMPLATE.finditer(text)]


def _lookup(context: Mapping[str, Any], name: str, template: str) -> Any:
    value = get_path(context, name)
    if value is MISSING:
        raise TemplateError(f"template {template!r}: {name!r} is not in the context")
    return value


def as_text(value: Any) -> str:
    """How a substituted value reads inside text: JSON spelling for booleans, null and containers."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list | tuple):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def render_template(
    text: str,
    context: Mapping[str, Any],
    *,
    escape: Callable[[str], str] | None = None,
) -> str:
    """Replace every ``{{ name }}`` in ``text``; ``escape`` (e.g. URL quoting) applies to each value."""
    if "{{" not in text:
        return text

    def substitute(match: re.Match[str]) -> str:
        rendered = as_text(_lookup(context, _name_of(match.group(1), text), text))
        return escape(rendered) if escape is not None else rendered

    return _TEMPLATE.sub(substitute, text)


def render_value(value: Any, context: Mapping[str, Any]) -> Any:
    """Render templates inside strings, lists and dicts.

    A string that is exactly one template (``"{{ qty }}"``) becomes the context value itself, so
    numbers, booleans and objects keep their type in a JSON body.
    """
    if isinstance(value, str):
        whole = _TEMPLATE.fullmatch(value.strip())
        if whole is not None:
            return _lookup(context, _name_of(whole.group(1), value), value)
        return render_template(value, context)
    if isinstance(value, Mapping):
        return {render_template(str(k), context): render_value(v, context) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [render_value(item, context) for item in value]
    return value
