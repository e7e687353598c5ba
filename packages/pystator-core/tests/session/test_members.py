"""Generated ``is_<state>`` / ``<trigger>()`` members, their visibility, clashes, and the typed stub."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from pystator import EntitySession, StateMachine
from pystator.session import session_class_name, session_stub_source
from pystator.session.__main__ import main as stub_main

Load = Callable[[str], StateMachine]
MACHINES = Path(__file__).parent / "machines"


def _clashing() -> StateMachine:
    """States and triggers whose names collide with built-in members or are not identifiers."""
    return StateMachine.from_dict(
        {
            "meta": {"machine_name": "clash", "version": "1", "strict_mode": True},
            "states": [
                {"name": "final", "type": "initial"},
                {"name": "in", "type": "stable"},
                {"name": "9lives", "type": "stable"},
                {"name": "end", "type": "terminal"},
            ],
            "transitions": [
                {"trigger": "send", "source": "final", "dest": "in"},
                {"trigger": "import", "source": "in", "dest": "9lives"},
                {"trigger": "_hidden", "source": "9lives", "dest": "end"},
                {"trigger": "9go", "source": "final", "dest": "end"},
                {"trigger": "go", "source": "final", "dest": "end"},
            ],
        }
    )


def test_members_are_visible_to_dir(load: Load) -> None:
    session = load("guarded").create()
    names = set(dir(session))
    assert {"is_pending", "is_open", "is_partially_filled", "is_filled", "is_cancelled"} <= names
    assert {"exchange_ack", "fill", "cancel"} <= names
    assert {"send", "asend", "snapshot", "apply_data", "is_final"} <= names


def test_members_live_on_a_generated_class_not_on_the_instance(load: Load) -> None:
    machine = load("guarded")
    session = machine.create()
    cls = type(session)
    assert cls.__name__ == "GuardedOrderSession" == session_class_name(machine)
    assert issubclass(cls, EntitySession)
    assert type(machine.create()) is cls
    assert isinstance(cls.__dict__["is_open"], property)
    assert callable(cls.__dict__["fill"])
    assert not hasattr(session, "__dict__")
    assert "is_open" not in dir(load("order_fsm").create()) or type(load("order_fsm").create()) is not cls
    assert cls.__dict__["fill"].__doc__.startswith("Send 'fill'")


def test_trigger_methods_send_with_payload(load: Load) -> None:
    session = load("guarded").create(context={"order_qty": 5})
    assert session.exchange_ack().target_state == "open"
    result = session.fill(fill_qty=5)
    assert result.target_state == "filled"
    assert session.is_filled and not session.is_open
    assert session.context["fill_qty"] == 5


def test_direct_construction_gets_the_members(load: Load) -> None:
    session = EntitySession(load("order_fsm"), context={"x": 1})
    assert session.is_pending
    session.exchange_ack()
    assert session.is_open


def test_clashing_names_keep_the_built_in_members() -> None:
    machine = _clashing()
    session = machine.create()
    cls = type(session)
    assert "is_final" not in cls.__dict__  # state "final" does not shadow is_final
    assert "send" not in cls.__dict__  # trigger "send" does not shadow send()
    assert session.is_in("final") and not session.is_final
    assert "is_in" not in cls.__dict__
    assert "is_9lives" in cls.__dict__ and "is_end" in cls.__dict__ and "go" in cls.__dict__
    for absent in ("import", "_hidden", "9go"):  # a keyword, private, not an identifier
        assert absent not in cls.__dict__
    assert session.send("send").target_state == "in"
    assert session.send("import").target_state == "9lives"
    assert session.is_9lives
    assert session.send("_hidden").target_state == "end" and session.is_final


def test_stub_declares_exactly_the_generated_members(load: Load) -> None:
    machine = _clashing()
    source = session_stub_source(machine)
    compile(source, "clash_session.py", "exec")
    assert "class ClashSession(EntitySession):" in source
    assert "def is_9lives(self) -> bool:" in source and "def is_end(self) -> bool:" in source
    assert "def go(self, **payload: Any) -> TransitionResult:" in source
    for absent in ("def is_final", "def send", "def import", "def _hidden", "def 9go", "def is_in("):
        assert absent not in source
    assert session_stub_source(machine, class_name="Mine").count("class Mine(EntitySession):") == 1
    with pytest.raises(ValueError, match="class_name: expected a Python identifier"):
        session_stub_source(machine, class_name="not valid")


def test_stub_command_prints_the_module(capsys: pytest.CaptureFixture[str]) -> None:
    assert stub_main([str(MACHINES / "order_fsm.yaml")]) == 0
    out = capsys.readouterr().out
    assert "class OrderManagementSession(EntitySession):" in out
    assert stub_main([]) == 2


def test_type_checker_sees_the_stub_members(tmp_path: Path) -> None:
    """mypy --strict accepts the generated members through the stub and rejects unknown ones."""
    machine = StateMachine.from_yaml(MACHINES / "order_fsm.yaml")
    (tmp_path / "order_session.py").write_text(session_stub_source(machine))
    (tmp_path / "use_it.py").write_text(
        "from typing import cast\n"
        "from pystator import StateMachine\n"
        "from order_session import OrderManagementSession\n\n"
        "machine = StateMachine.from_yaml('order_fsm.yaml')\n"
        "order = cast(OrderManagementSession, machine.create())\n"
        "pending: bool = order.is_pending\n"
        "state: str = order.exchange_ack(venue='x').source_state\n"
        "order.no_such_trigger()\n"
    )
    completed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "use_it.py", "order_session.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in completed.stdout.splitlines() if ": error:" in line]
    assert lines == [
        'use_it.py:9: error: "OrderManagementSession" has no attribute "no_such_trigger"  [attr-defined]'
    ], completed.stdout


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("order_management", "OrderManagementSession"),
        ("Order management v2", "OrderManagementV2Session"),
        ("", "MachineSession"),
        ("3d-printer", "Machine3dPrinterSession"),
    ],
)
def test_class_names_are_identifiers(name: str, expected: str) -> None:
    machine = StateMachine.from_dict(
        {
            "meta": {"machine_name": name, "version": "1"},
            "states": [{"name": "a", "type": "initial"}, {"name": "b", "type": "terminal"}],
            "transitions": [{"trigger": "go", "source": "a", "dest": "b"}],
        }
    )
    assert session_class_name(machine) == expected
    assert type(machine.create()).__name__ == expected
