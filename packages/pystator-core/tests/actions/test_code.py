"""Inline ``code:`` actions: refused unless enabled (flag, settings, env); restricted when enabled."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from pystator import ActionStatus
from pystator.actions import CODE_ACTIONS_ENV, ActionExecutor, CodeActionError, CodeActionsDisabledError

SNIPPET = {"code": {"source": "import math\nctx['root'] = math.sqrt(ctx['n'])\nresult = ctx['root'] * 2"}}


@pytest.fixture(autouse=True)
def no_env_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(CODE_ACTIONS_ENV, raising=False)


def test_refused_by_default_with_a_clear_error(plan: Any) -> None:
    executor = ActionExecutor()
    assert not executor.code_actions_enabled
    execution = executor.execute(plan([SNIPPET, "noop"]), {"n": 16})
    refused, after = execution.action_results
    assert refused.status is ActionStatus.FAILED
    assert isinstance(refused.error, CodeActionsDisabledError)
    message = str(refused.error)
    assert "inline code actions are disabled" in message
    assert "features.inline_code_actions" in message
    assert CODE_ACTIONS_ENV in message
    assert "root" not in execution.context
    assert after.status is ActionStatus.SUCCESS


@pytest.mark.parametrize(
    "make",
    [
        lambda: ActionExecutor(allow_code=True),
        lambda: ActionExecutor(settings=SimpleNamespace(features=SimpleNamespace(inline_code_actions=True))),
    ],
)
def test_enabled_by_flag_or_settings(plan: Any, make: Any) -> None:
    execution = make().execute(plan([SNIPPET]), {"n": 16})
    outcome = execution.action_results[0]
    assert outcome.status is ActionStatus.SUCCESS, outcome.error
    assert outcome.result == 8.0
    assert execution.context == {"n": 16, "root": 4.0}


@pytest.mark.parametrize(
    ("value", "enabled"), [("true", True), ("1", True), ("on", True), ("false", False), ("", False)]
)
def test_enabled_by_environment(
    plan: Any, monkeypatch: pytest.MonkeyPatch, value: str, enabled: bool
) -> None:
    monkeypatch.setenv(CODE_ACTIONS_ENV, value)
    assert ActionExecutor().code_actions_enabled is enabled


def test_explicit_flag_wins_over_settings_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(CODE_ACTIONS_ENV, "true")
    on = SimpleNamespace(features=SimpleNamespace(inline_code_actions=True))
    assert not ActionExecutor(allow_code=False, settings=on).code_actions_enabled
    off = SimpleNamespace(features=SimpleNamespace(inline_code_actions=False))
    assert not ActionExecutor(settings=off).code_actions_enabled


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("import os\nresult = os.getcwd()", "import of 'os' is not allowed"),
        ("import subprocess", "import of 'subprocess' is not allowed"),
        ("result = open('/etc/passwd').read()", "open"),
        ("result = eval('1')", "eval"),
        ("def broken(:\n  pass", "does not compile"),
    ],
)
def test_restrictions_when_enabled(plan: Any, source: str, message: str) -> None:
    outcome = (
        ActionExecutor(allow_code=True).execute(plan([{"code": {"source": source}}]), {}).action_results[0]
    )
    assert outcome.status is ActionStatus.FAILED
    assert message in str(outcome.error)


def test_a_snippet_that_raises_changes_nothing(plan: Any) -> None:
    entry = {"code": {"source": "ctx['half'] = 1\nraise ValueError('stop here')"}}
    execution = ActionExecutor(allow_code=True).execute(plan([entry]), {"x": 1})
    assert execution.action_results[0].status is ActionStatus.FAILED
    assert execution.context == {"x": 1}


def test_syntax_errors_are_code_action_errors(plan: Any) -> None:
    outcome = (
        ActionExecutor(allow_code=True).execute(plan([{"code": {"source": "x ="}}]), {}).action_results[0]
    )
    assert isinstance(outcome.error, CodeActionError)
    assert "line 1" in str(outcome.error)
