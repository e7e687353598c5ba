"""``pystator process FILE STATE TRIGGER``: one stateless transition; human and ``--json`` output
(the API's ProcessResponse), exit 1 when refused, 2 for bad ``--context`` / ``--guard``."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]


def test_a_transition_human(pystator: Run, machines: Path) -> None:
    done = pystator("process", machines / "guarded.yaml", "pending", "exchange_ack")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "pending --exchange_ack--> open",
        "  exit action: log [call] (pending)",
        "  enter action: notify [call] (open)",
        "  enter action: set [effect] (open)",
        "  start timer: open:timeout in 30000 ms -> __timeout__:open",
    ]


def test_a_transition_json(pystator: Run, machines: Path) -> None:
    done = pystator("process", machines / "guarded.yaml", "pending", "exchange_ack", "--json")
    assert done.returncode == 0
    result = json.loads(done.stdout)
    assert result["success"] is True
    assert (result["source_state"], result["target_state"]) == ("pending", "open")
    assert [(a["phase"], a["name"]) for a in result["actions"]] == [
        ("exit", "log"),
        ("enter", "notify"),
        ("enter", "set"),
    ]
    assert result["timers_to_start"][0]["delay_ms"] == 30000
    assert result["error"] is None


def test_context_from_stdin(pystator: Run, machines: Path) -> None:
    done = pystator(
        "process", machines / "guarded.yaml", "open", "fill", "--context", "-", input='{"qty": 3}'
    )
    assert done.returncode == 0
    assert done.stdout.splitlines()[0] == "open --fill--> filled"


def test_a_refused_transition_exits_1(pystator: Run, machines: Path) -> None:
    done = pystator("process", machines / "guarded.yaml", "open", "fill", "-c", '{"qty": 0}', "--json")
    assert done.returncode == 1
    result = json.loads(done.stdout)
    assert result["success"] is False
    assert result["error"]["code"] == "GUARD_REJECTED"
    human = pystator("process", machines / "guarded.yaml", "open", "fill", "-c", '{"qty": 0}')
    assert human.returncode == 1
    assert human.stdout.strip() == (
        "open --fill--> refused: guard 'expr: qty > 0' rejected 'fill' from 'open' [GUARD_REJECTED]"
    )


def test_named_guards_take_given_outcomes(pystator: Run, machines: Path) -> None:
    file = machines / "guarded.yaml"
    unregistered = pystator("process", file, "open", "force")
    assert unregistered.returncode == 1
    assert "GUARD_NOT_FOUND" in unregistered.stdout
    assert pystator("process", file, "open", "force", "--guard", "is_ready=true").returncode == 0
    rejected = pystator("process", file, "open", "force", "--guard", "is_ready=false", "--json")
    assert rejected.returncode == 1
    assert json.loads(rejected.stdout)["error"]["code"] == "GUARD_REJECTED"


def test_an_unknown_state_is_one_line(pystator: Run, machines: Path, one_line: Callable[[str], str]) -> None:
    done = pystator("process", machines / "order.yaml", "nowhere", "fill")
    assert done.returncode == 1
    assert one_line(done.stderr) == "pystator process: state 'nowhere' is not defined in this machine"
    as_json = pystator("process", machines / "order.yaml", "nowhere", "fill", "--json")
    assert as_json.returncode == 1
    assert json.loads(as_json.stdout)["error"]["code"] == "UNDEFINED_STATE"


def test_bad_context_and_guard_flags_are_usage_errors(
    pystator: Run, machines: Path, one_line: Callable[[str], str]
) -> None:
    file = machines / "order.yaml"
    not_json = pystator("process", file, "pending", "exchange_ack", "--context", "{oops")
    assert not_json.returncode == 2
    assert one_line(not_json.stderr).startswith("pystator process: --context: expected a JSON object")
    not_object = pystator("process", file, "pending", "exchange_ack", "--context", "[1]")
    assert not_object.returncode == 2
    assert one_line(not_object.stderr) == "pystator process: --context: expected a JSON object, got list"
    bad_guard = pystator("process", file, "pending", "exchange_ack", "--guard", "ready")
    assert bad_guard.returncode == 2
    assert "NAME=true or NAME=false" in one_line(bad_guard.stderr)


def test_an_invalid_machine_file(pystator: Run, machines: Path, one_line: Callable[[str], str]) -> None:
    done = pystator("process", machines / "unknown_dest.yaml", "pending", "fill")
    assert done.returncode == 1
    assert one_line(done.stderr) == (
        f"pystator process: {machines / 'unknown_dest.yaml'}:11: transitions[0].dest: "
        "unknown state 'fillled' (did you mean 'filled'?)"
    )
