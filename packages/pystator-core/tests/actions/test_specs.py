"""Config action entries map to ActionSpec kinds exactly as the engine plans them."""

from __future__ import annotations

import pytest

from pystator import ConfigurationError
from pystator.actions import action_spec_from_entry


@pytest.mark.parametrize(
    ("entry", "kind", "name", "params"),
    [
        ("notify", "call", "notify", {}),
        ({"name": "notify", "params": {"to": "ops"}}, "call", "notify", {"to": "ops"}),
        ({"custom": {"name": "crm_sync", "params": {"id": 1}}}, "custom", "crm_sync", {"id": 1}),
        ({"set": {"a": 1}}, "effect", "set", {}),
        ({"timestamp": "at"}, "effect", "timestamp", {}),
        ({"increment": "n"}, "effect", "increment", {}),
        ({"decrement": "n"}, "effect", "decrement", {}),
        ({"append": {"field": "l", "value": 1}}, "effect", "append", {}),
        ({"clear": "n"}, "effect", "clear", {}),
        ({"compute": {"n": "1 + 1"}}, "effect", "compute", {}),
        ({"http": {"url": "http://127.0.0.1/x"}}, "http", "http", {}),
        ({"code": {"source": "result = 1"}}, "code", "code", {}),
        ({"branch": {"when": "x", "then": ["a"]}}, "branch", "branch", {}),
    ],
)
def test_entry_kinds(entry: object, kind: str, name: str, params: dict[str, object]) -> None:
    spec = action_spec_from_entry(entry, phase="enter", state="open")
    assert (spec.kind, spec.name, dict(spec.params)) == (kind, name, params)
    assert (spec.phase, spec.state) == ("enter", "open")
    assert (spec.definition is None) == isinstance(entry, str)


def test_invalid_entry_is_a_configuration_error_naming_the_problem() -> None:
    with pytest.raises(ConfigurationError) as caught:
        action_spec_from_entry({"increment": "n", "retry": -1})
    assert any("retry" in problem for problem in caught.value.errors)
