"""Machines shared by the compatibility tests: the README's order machine and a few variants."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

ORDER_YAML = """\
meta:
  version: "1.0.0"
  machine_name: "order_management"
  strict_mode: true
states:
  - name: pending
    type: initial
  - name: open
    type: stable
  - name: filled
    type: terminal
transitions:
  - trigger: exchange_ack
    source: pending
    dest: open
  - trigger: fill
    source: open
    dest: filled
"""

# The order machine with guards and actions on every phase, for results and executors.
ORDER_WITH_ACTIONS: dict[str, Any] = {
    "meta": {"version": "2.1.0", "machine_name": "orders", "strict_mode": True},
    "states": [
        {"name": "pending", "type": "initial", "on_exit": ["log_exit"]},
        {"name": "open", "on_enter": [{"name": "notify", "params": {"channel": "email"}}]},
        {"name": "partially_filled"},
        {"name": "filled", "type": "terminal", "on_enter": ["close_order"]},
        {"name": "cancelled", "type": "terminal"},
    ],
    "transitions": [
        {"trigger": "exchange_ack", "source": "pending", "dest": "open", "actions": ["record_ack"]},
        {
            "trigger": "fill",
            "source": ["open", "partially_filled"],
            "dest": "filled",
            "guards": ["is_full_fill"],
        },
        {
            "trigger": "partial_fill",
            "source": ["open", "partially_filled"],
            "dest": "partially_filled",
            "guards": ["is_partial_fill"],
        },
        {"trigger": "cancel", "source": ["pending", "open"], "dest": "cancelled"},
        {"trigger": "ping", "source": "open", "dest": "open"},
    ],
}


@pytest.fixture
def order_yaml(tmp_path: Path) -> Path:
    """The README's ``order_fsm.yaml``, saved in a temporary directory."""
    path = tmp_path / "order_fsm.yaml"
    path.write_text(ORDER_YAML, encoding="utf-8")
    return path


@pytest.fixture
def order_config() -> dict[str, Any]:
    return copy.deepcopy(ORDER_WITH_ACTIONS)
