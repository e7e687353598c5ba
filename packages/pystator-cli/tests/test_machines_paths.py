"""``pystator machines paths``: event paths to every state or through every transition, as text or
JSON, with context and payloads given as JSON."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

Run = Callable[..., subprocess.CompletedProcess[str]]
ROOT = Path(__file__).resolve().parents[3]
PAYMENTS = ROOT / "packages" / "pystator-core" / "tests" / "engine" / "fixtures" / "routing_choice.yaml"


def test_paths_to_every_state(pystator: Run) -> None:
    done = pystator("machines", "paths", ROOT / "examples" / "order_fsm.yaml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "pending: pending",
        "open: pending -> exchange_ack -> open",
        "filled: pending -> exchange_ack -> open -> fill -> filled",
    ]


def test_paths_through_transitions_with_payloads(pystator: Run) -> None:
    events = json.dumps({"submit": [{"amount": 50}, {"amount": 500}]})
    done = pystator("machines", "paths", PAYMENTS, "--transitions", "--events", events, "--json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    first = data["paths"][0]
    assert (first["transition"], first["trigger"], first["dest"]) == (0, "submit", "route")
    small = next(p for p in data["paths"] if p["transition"] == 1)
    assert small["path"] == [
        {"trigger": "submit", "payload": {"amount": 50}, "source": "new", "target": "small"}
    ]
    assert 4 in data["never_taken"]  # large -> approved needs vip


def test_never_taken_transitions_go_to_stderr(pystator: Run) -> None:
    done = pystator("machines", "paths", PAYMENTS, "--transitions")
    assert done.returncode == 0
    assert "#1 (eventless): never taken" in done.stderr


def test_bad_json_option(pystator: Run) -> None:
    done = pystator("machines", "paths", PAYMENTS, "--context", "[1]")
    assert done.returncode == 1
    assert "--context: expected a JSON object, got list" in done.stderr
