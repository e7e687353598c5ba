"""Every script in examples/ runs to completion and prints what its machine should do.

Each example runs in a subprocess, as a reader would run it (``python examples/<name>.py``), and the
test checks the states, guards, actions and timers it reports. Every machine file in examples/ is a
valid configuration (``pystator up`` loads them all).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pystator import StateMachine, validate_config
from pystator.config import load_file

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"


def run_example(name: str) -> list[str]:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-4000:]
    assert completed.stderr == ""
    return completed.stdout.splitlines()


def test_quickstart() -> None:
    assert run_example("quickstart.py") == ["True", "open"]


def test_basic_usage_order_lifecycle() -> None:
    lines = run_example("basic_usage.py")
    assert lines[:5] == [
        "== stateless process() ==",
        "full fill: True open -> filled",
        "planned actions: ['compute', 'update_positions', 'notify']",
        "actions succeeded: True filled_qty: 100",
        "cancel without a reason: False guard_rejected",
    ]
    assert lines[5:] == [
        "== EntitySession ==",
        "start: pending is_pending: True",
        "acknowledged: open opened_at set: True",
        "partial fill: partially_filled filled_qty: 40 partial_fills: 1",
        "cancel after a partial fill: False guard_rejected partially_filled",
        "second fill: filled filled_qty: 100",
        "final: True",
        "restored from snapshot: filled",
        "cancelled order: cancelled",
        "positions: {'ACME': 200}",
        "notifications:",
        "  email: order_filled for order A1",
        "  email: order_filled for order B1",
        "  sms: order_cancelled for order B2",
    ]


def test_day_trading_parallel_regions_and_join() -> None:
    lines = run_example("day_trading_example.py")
    assert lines == [
        "== a good day ==",
        "trading[orders=flat,risk=normal,feed=connecting]",
        "buy before the feed is live: trading[orders=flat,risk=normal,feed=connecting]",
        "trading[orders=flat,risk=normal,feed=live]",
        "buy over the notional limit: False trading[orders=flat,risk=normal,feed=live]",
        "trading[orders=long,risk=normal,feed=live]",
        "trading[orders=long,risk=normal,feed=stale]",
        "trading[orders=flat,risk=normal,feed=stale] pnl: 350.0",
        "trading[orders=closed_out,risk=normal,feed=disconnected]",
        "join: ['trading'] -> day_closed final: True",
        "== a bad day ==",
        "trading[orders=flat,risk=breached,feed=live] pnl: -1600.0",
        "halted",
        "== process_parallel ==",
        "trading[orders=flat,risk=normal,feed=live] [('connecting', 'live')]",
        "trades: ['buy 100 @ 101.0', 'sell 100 @ 104.5', 'buy 400 @ 100.0', 'sell 400 @ 96.0']",
        "reports: ['end of day: pnl=350.0', 'kill switch: pnl=-1600.0']",
    ]


def test_portfolio_hierarchy_and_history() -> None:
    lines = run_example("portfolio_optimization_example.py")
    assert lines == [
        "== shallow and deep history (stateless) ==",
        "pause from expected_returns: paused {'optimizing': 'expected_returns'}",
        "resume (shallow): covariance",
        "resume_exact (deep): expected_returns",
        "resume with no record: collecting_data",
        "== a run with a pause and a retry (EntitySession) ==",
        "expected_returns active: ['estimating', 'expected_returns', 'optimizing']",
        "paused pauses: 1",
        "resumed at: expected_returns",
        "first solve rejected, back to: collecting_data attempts: 1",
        "accepted: generating_orders",
        "done: completed final: True",
        "abort from a nested state: failed",
        "steps: ['solve', 'retry', 'solve', 'accept']",
    ]


@pytest.mark.slow
def test_delayed_transitions_through_the_orchestrator() -> None:
    lines = run_example("delayed_transitions_example.py")
    assert lines == [
        "t=0.0s {'pay-1': 'paid', 'pay-2': 'awaiting_payment', 'pay-3': 'awaiting_payment'}",
        "t=0.7s {'pay-1': 'paid', 'pay-2': 'reminded', 'pay-3': 'reminded'}",
        "t=1.8s {'pay-1': 'paid', 'pay-2': 'paid', 'pay-3': 'expired'}",
        "reminders: ['email to bob', 'email to cy']",
        "pay-3 context expired: True",
    ]


MACHINE_FILES = sorted(EXAMPLES.glob("*_fsm.yaml"))


def test_the_examples_are_all_here() -> None:
    assert [path.name for path in MACHINE_FILES] == [
        "day_trading_fsm.yaml",
        "delayed_transitions_fsm.yaml",
        "order_fsm.yaml",
        "portfolio_optimization_fsm.yaml",
    ]
    for script in MACHINE_FILES:
        assert script.name in (EXAMPLES / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("path", MACHINE_FILES, ids=lambda path: path.name)
def test_every_example_machine_is_valid(path: Path) -> None:
    assert validate_config(load_file(path), strict=False) == []
    machine = StateMachine.from_yaml(path)
    assert machine.get_initial_state()


def test_example_machine_names_are_distinct() -> None:
    names = [load_file(path)["meta"]["machine_name"] for path in MACHINE_FILES]
    assert len(set(names)) == len(names), names


def test_pystator_up_loads_every_example() -> None:
    """``python3 dev.py up`` runs ``pystator up --machines examples/``: the API's loader takes each."""
    from pystator_api.definitions import parse_definition
    from pystator_api.templates import templates_in

    loaded = {
        template.name: parse_definition(template.source, template.format).config.meta.machine_name
        for template in templates_in(EXAMPLES)
    }
    assert loaded == {
        "day_trading_fsm": "day_trading",
        "delayed_transitions_fsm": "payment_reminders",
        "order_fsm": "order_management",
        "portfolio_optimization_fsm": "portfolio_optimization",
    }
    dev_py = (ROOT / "dev.py").read_text(encoding="utf-8")
    assert '["--machines", str(ROOT / "examples")]' in dev_py
