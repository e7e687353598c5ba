"""``pystator machines stubs``: the typed module of a machine, to stdout or a file."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]
ORDER = Path(__file__).resolve().parents[3] / "examples" / "order_fsm.yaml"


def test_stubs_to_stdout(pystator: Run) -> None:
    done = pystator("machines", "stubs", ORDER)
    assert done.returncode == 0, done.stderr
    assert "OrderManagementTrigger = Literal['exchange_ack', 'fill']" in done.stdout
    assert "class OrderManagementSessionProtocol(Protocol):" in done.stdout
    compile(done.stdout, "order_types.py", "exec")


def test_stubs_to_a_file_with_a_class_name(pystator: Run, tmp_path: Path) -> None:
    target = tmp_path / "order_types.py"
    done = pystator("machines", "stubs", ORDER, "--class-name", "Order", "-o", target)
    assert done.returncode == 0, done.stderr
    source = target.read_text()
    assert "class Order(EntitySession):" in source and "OrderState = Literal[" in source
    assert not list(tmp_path.glob("*.partial"))


def test_stubs_bad_class_name(pystator: Run) -> None:
    done = pystator("machines", "stubs", ORDER, "--class-name", "not valid")
    assert done.returncode == 1
    assert "class_name: expected a Python identifier" in done.stderr
