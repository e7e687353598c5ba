"""``pystator machines show`` (states, transitions and triggers as tables or JSON) and
``pystator machines diagram`` (Mermaid or DOT, to stdout or a file)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_show_prints_three_tables(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "show", machines / "guarded.yaml")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.splitlines()[0] == "guarded 2.1: initial state pending"
    assert "States:" in out and "Transitions:" in out and "Triggers:" in out
    open_row = next(line for line in out.splitlines() if line.startswith("open "))
    assert open_row.split() == ["open", "stable", "notify,", "set", "30s", "->", "expired"]
    fill_row = next(line for line in out.splitlines() if line.startswith("fill "))
    assert fill_row.split() == ["fill", "open", "filled", "expr:", "qty", ">", "0", "update_positions"]


def test_show_json(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "show", "--json", machines / "guarded.yaml")
    assert done.returncode == 0
    data = json.loads(done.stdout)
    assert data["name"] == "guarded"
    assert data["initial_state"] == "pending"
    assert [s["name"] for s in data["states"]] == ["pending", "open", "expired", "filled"]
    assert data["states"][1]["on_enter"] == ["notify", "set"]
    assert data["states"][0]["on_exit"] == ["log"]
    assert data["transitions"][2] == {
        "trigger": "force",
        "source": ["open"],
        "dest": "filled",
        "guards": ["is_ready"],
        "actions": [],
    }
    assert data["triggers"] == ["exchange_ack", "fill", "force"]


def test_show_of_an_invalid_file_lists_its_problems(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "show", "--json", machines / "invalid.yaml")
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert lines[0].startswith(f"{machines / 'invalid.yaml'}:7: states[1].name: ")
    assert (
        lines[-1]
        == f"pystator machines show: {machines / 'invalid.yaml'} is not a valid machine (3 problems)"
    )


def test_mermaid_to_stdout(pystator: Run, machines: Path) -> None:
    done = pystator("machines", "diagram", machines / "order.yaml")
    assert done.returncode == 0
    lines = done.stdout.splitlines()
    assert lines[0] == "stateDiagram-v2"
    assert "    s_pending --> s_open : exchange_ack" in lines


def test_dot_to_a_file(pystator: Run, machines: Path, tmp_path: Path) -> None:
    out = tmp_path / "order.dot"
    done = pystator(
        "machines", "diagram", machines / "order.yaml", "--format", "dot", "--direction", "LR", "-o", out
    )
    assert done.returncode == 0
    assert done.stdout == ""
    text = out.read_text()
    assert text.startswith('digraph "order_management" {')
    assert "rankdir=LR" in text


def test_unknown_format_is_a_usage_error(
    pystator: Run, machines: Path, one_line: Callable[[str], str]
) -> None:
    done = pystator("machines", "diagram", machines / "order.yaml", "--format", "png")
    assert done.returncode == 2
    assert "--format" in one_line(done.stderr)
