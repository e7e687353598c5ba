"""The typed machine module: Literal state and trigger types, the session protocol, and mypy
accepting correct use while rejecting a misspelled trigger or state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pystator import StateMachine
from pystator.session.typed_stub import typed_stub_source

ROOT = Path(__file__).resolve().parents[4]
ORDER = ROOT / "examples" / "order_fsm.yaml"

GOOD = """\
from pystator import StateMachine
from order_types import OrderManagementTrigger, as_order_management_session

machine = StateMachine.from_yaml({path!r})
order = as_order_management_session(machine.create())
order.send("exchange_ack")
opened: bool = order.is_in("open") and order.is_open
order.fill(qty=3)
trigger: OrderManagementTrigger = "fill"
order.send(trigger)
reachable: bool = order.can_transition_to("filled")
"""

BAD = """\
from pystator import StateMachine
from order_types import as_order_management_session

machine = StateMachine.from_yaml({path!r})
order = as_order_management_session(machine.create())
order.send("exchange_akc")
order.is_in("opened")
order.fil()
"""


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """One mypy --strict run over the module, a correct user and a misspelling one."""
    directory = tmp_path_factory.mktemp("typed_stub")
    (directory / "order_types.py").write_text(typed_stub_source(StateMachine.from_yaml(ORDER)))
    (directory / "use_good.py").write_text(GOOD.format(path=str(ORDER)))
    (directory / "use_bad.py").write_text(BAD.format(path=str(ORDER)))
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--no-incremental",
            "order_types.py",
            "use_good.py",
            "use_bad.py",
        ],
        cwd=directory,
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in completed.stdout.splitlines() if ": error:" in line]


def test_literal_types_and_protocol_in_the_source() -> None:
    source = typed_stub_source(StateMachine.from_yaml(ORDER))
    assert "OrderManagementState = Literal['pending', 'open', 'filled']" in source
    assert "OrderManagementTrigger = Literal['exchange_ack', 'fill']" in source
    assert "class OrderManagementSessionProtocol(Protocol):" in source
    assert "def send(self, trigger: OrderManagementTrigger | Event, /, **payload: Any)" in source
    compile(source, "order_types.py", "exec")


def test_mypy_accepts_correct_use(mypy_errors: list[str]) -> None:
    assert [e for e in mypy_errors if not e.startswith("use_bad.py")] == []


def test_mypy_rejects_misspelled_names(mypy_errors: list[str]) -> None:
    errors = [e for e in mypy_errors if e.startswith("use_bad.py")]
    assert len(errors) == 3, errors
    assert "use_bad.py:6:" in errors[0] and "\"Literal['exchange_akc']\"" in errors[0]
    assert "use_bad.py:7:" in errors[1] and "\"Literal['opened']\"" in errors[1]
    assert "use_bad.py:8:" in errors[2] and '"fil"' in errors[2]


def test_the_converter_checks_the_machine_at_run_time() -> None:
    namespace: dict[str, object] = {}
    exec(compile(typed_stub_source(StateMachine.from_yaml(ORDER)), "order_types.py", "exec"), namespace)
    convert = namespace["as_order_management_session"]
    order = convert(StateMachine.from_yaml(ORDER).create())  # type: ignore[operator]
    assert order.send("exchange_ack").target_state == "open"
    other = StateMachine.from_dict(
        {
            "meta": {"machine_name": "other"},
            "states": [{"name": "a", "type": "initial"}, {"name": "b"}],
            "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
        }
    )
    with pytest.raises(TypeError, match="expected a session of machine 'order_management', got 'other'"):
        convert(other.create())  # type: ignore[operator]
