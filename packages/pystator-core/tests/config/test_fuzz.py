"""Property-based tests: random and mutated configurations only ever produce validation results
(lists of readable strings), never another exception; random text only ever loads or raises
``ConfigurationError``."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pystator import ConfigurationError, validate_config
from pystator.config import load_file, load_json, load_yaml, parse_machine_config
from pystator.lint import lint

CORPUS = Path(__file__).parent / "corpus"
VALID = [
    load_file(p) for p in sorted((CORPUS / "valid").glob("*.yaml")) if "submachine:" not in p.read_text()
]

NAMES = ["pending", "open", "filled", "a", "b", "Bad", "", "*", "H(a)", "H*(open)", "a:b", "p:q", "on"]
KEYS = [
    "meta", "states", "transitions", "groups", "error_policy", "state_variables", "context_invariants",
    "events", "name", "type", "parent", "initial_child", "regions", "on_enter", "on_exit", "timeout",
    "when", "metadata", "submachine", "entry_points", "exit_points", "trigger", "after", "source", "dest",
    "guards", "actions", "region", "internal", "auto", "initial", "final", "seconds", "destination",
    "expr", "check", "allOf", "anyOf", "not", "field", "op", "value", "values", "set", "compute",
    "branch", "then", "else", "http", "url", "code", "source", "custom", "params", "key", "default",
    "classification", "auto_route", "default_state", "strict_mode", "all_of", "any_of", "bogus",
]  # fmt: skip
TYPES = ["initial", "stable", "terminal", "error", "parallel", "choice", "intial"]

scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=10**12)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=12)
    | st.sampled_from(NAMES + TYPES + ["5s", "0ms", "1.5h", "qty > 1", "qty >", "in", "eq"])
)
anything = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.sampled_from(KEYS), inner, max_size=5),
    max_leaves=25,
)
state_like = st.dictionaries(
    st.sampled_from(KEYS),
    st.sampled_from(NAMES + TYPES) | anything,
    max_size=6,
).map(lambda d: {"name": "a", **d} if "name" not in d else d)
transition_like = st.dictionaries(st.sampled_from(KEYS), st.sampled_from(NAMES) | anything, max_size=6)
config_like = st.fixed_dictionaries(
    {"states": st.lists(state_like, max_size=6), "transitions": st.lists(transition_like, max_size=6)},
    optional={
        k: anything for k in ("meta", "groups", "error_policy", "state_variables", "context_invariants")
    },
)

FAST = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_is_a_validation_result(errors: object) -> None:
    assert isinstance(errors, list)
    for line in errors:
        assert isinstance(line, str)
        assert ": " in line


@FAST
@given(config_like)
def test_random_configs_only_produce_validation_results(config: dict[str, Any]) -> None:
    assert_is_a_validation_result(validate_config(config))


@FAST
@given(anything)
def test_any_value_at_all_is_a_validation_result(value: Any) -> None:
    assert_is_a_validation_result(validate_config(value))


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """A valid corpus configuration with a few random edits: values replaced, keys dropped,
    entries duplicated, names swapped."""
    config = copy.deepcopy(draw(st.sampled_from(VALID)))
    for _ in range(draw(st.integers(min_value=1, max_value=4))):
        paths = [p for p in _paths(config) if p]
        if not paths:
            break
        path = draw(st.sampled_from(paths))
        parent = config
        for step in path[:-1]:
            parent = parent[step]
        last = path[-1]
        operation = draw(st.sampled_from(["replace", "drop", "duplicate", "rename"]))
        if operation == "replace":
            parent[last] = draw(anything)
        elif operation == "drop":
            del parent[last]
        elif operation == "duplicate" and isinstance(parent, list):
            parent.append(copy.deepcopy(parent[last]))
        else:
            parent[last] = draw(st.sampled_from(NAMES))
    return config


@FAST
@given(mutated())
def test_mutated_configs_only_produce_validation_results(config: dict[str, Any]) -> None:
    errors = validate_config(config)
    assert_is_a_validation_result(errors)
    if not errors:
        # What validates also parses and lints.
        parse_machine_config(config)
        assert isinstance(lint(config), list)
    else:
        with pytest.raises(ConfigurationError) as info:
            parse_machine_config(config)
        assert info.value.errors == errors


yaml_text = st.text(alphabet=st.sampled_from(list("ab:-[]{}&*!|>'\"#\n ,?%@`~\t0123456789")), max_size=80)


@settings(max_examples=500, deadline=None)
@given(yaml_text)
def test_random_text_loads_or_raises_a_configuration_error(text: str) -> None:
    for loader in (load_yaml, load_json):
        problems: list[str] = []
        try:
            data = loader(text)
        except ConfigurationError as exc:
            problems = exc.errors
            assert problems
            assert all(isinstance(line, str) for line in problems)
            continue
        assert isinstance(data, dict)
        assert_is_a_validation_result(validate_config(data))
