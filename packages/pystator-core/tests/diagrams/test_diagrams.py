"""Diagrams: every example and fixture machine renders to DOT that Graphviz accepts and to Mermaid
that passes a structural check of the ``stateDiagram-v2`` grammar; nesting, regions, guards and
delays appear where they belong.

The Mermaid check is written here rather than running mermaid-js: its parser needs a DOM shim and
~170 MB of npm packages. The checker below follows the grammar of the statements we emit
(stateDiagram.jison); the writer's output was also validated once with ``mermaid.parse`` (v11).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from ruamel.yaml import YAML

from pystator import to_dot, to_mermaid
from pystator_contracts.machine import MachineConfig

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[3]
MACHINE_FILES = sorted(HERE.glob("machines/*.yaml")) + sorted((ROOT / "examples").glob("**/*.y*ml"))


def load(path: Path) -> MachineConfig:
    return MachineConfig.model_validate(YAML(typ="safe").load(path.read_text()))


@pytest.fixture(scope="module")
def dot_binary() -> str:
    found = shutil.which("dot")
    if found is None:
        message = "Graphviz 'dot' is not installed (python3 dev.py setup installs it as root, or apt-get it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return found


# ---------------------------------------------------------------- a structural Mermaid checker

_ID = r"[A-Za-z_][A-Za-z0-9_]*"
_STATE_DECL = re.compile(rf'^state "([^"\n]*)" as ({_ID})( \{{)?$')
_EDGE = re.compile(rf"^(\[\*\]|{_ID}) --> (\[\*\]|{_ID})(?: : (.+))?$")
_CLASSDEF = re.compile(rf"^classDef ({_ID}) \S.*$")
_CLASS = re.compile(rf"^class ({_ID}(?:,{_ID})*) ({_ID})$")
_ENTITY = re.compile(r"#(?:\d+|[a-z]+);")


class _MermaidChecker:
    """Walks the lines once, tracking open composites, declared ids and class definitions."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.declared: set[str] = set()
        self.used: set[str] = set()
        self.class_defs: set[str] = set()
        self.class_uses: list[tuple[list[str], str]] = []
        self.blocks: list[list[str]] = [[]]

    def close_block(self, number: int) -> None:
        if len(self.blocks) == 1:
            self.problems.append(f"line {number}: '}}' without an open composite state")
            return
        body = self.blocks.pop()
        if body and (body[0] == "--" or body[-1] == "--"):
            self.problems.append(f"line {number}: a composite state starts or ends with '--'")

    def statement(self, number: int, line: str) -> None:
        self.blocks[-1].append(line)
        if line == "--":
            if len(self.blocks) == 1:
                self.problems.append(f"line {number}: '--' outside a composite state")
        elif match := _STATE_DECL.match(line):
            if match.group(2) in self.declared:
                self.problems.append(f"line {number}: {match.group(2)} declared twice")
            self.declared.add(match.group(2))
            if match.group(3):
                self.blocks.append([])
        elif match := _EDGE.match(line):
            self.used.update(x for x in match.group(1, 2) if x != "[*]")
            bare = _ENTITY.sub("", match.group(3) or "")
            if any(ch in bare for ch in ':;#{}<>"[]') or "--" in bare:
                self.problems.append(f"line {number}: unescaped character in label {match.group(3)!r}")
        elif match := _CLASSDEF.match(line):
            self.class_defs.add(match.group(1))
        elif match := _CLASS.match(line):
            self.class_uses.append((match.group(1).split(","), match.group(2)))
        else:
            self.problems.append(f"line {number}: not a stateDiagram statement: {line!r}")

    def finish(self) -> list[str]:
        if len(self.blocks) != 1:
            self.problems.append(f"{len(self.blocks) - 1} composite state(s) left open")
        self.problems += [f"edge uses undeclared state {name}" for name in sorted(self.used - self.declared)]
        for ids, name in self.class_uses:
            self.problems += [
                f"class {name} applied to undeclared {i}" for i in ids if i not in self.declared
            ]
            if name not in self.class_defs:
                self.problems.append(f"class {name} has no classDef")
        return self.problems


def mermaid_problems(source: str) -> list[str]:
    lines = [line.strip() for line in source.splitlines() if line.strip()]
    if not lines or lines[0] != "stateDiagram-v2":
        return ["first line must be 'stateDiagram-v2'"]
    checker = _MermaidChecker()
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith("direction ") and line.split()[1] in ("TB", "LR", "BT", "RL"):
            continue
        if line == "}":
            checker.close_block(number)
        else:
            checker.statement(number, line)
    return checker.finish()


@pytest.mark.parametrize(
    "source",
    [
        "graph TD\n  a --> b\n",
        'stateDiagram-v2\n  state "a" as s_a {\n  [*] --> s_a\n',
        "stateDiagram-v2\n  s_a --> --> s_b\n",
        'stateDiagram-v2\n  state "a" as s_a\n  s_a --> s_b\n',
        'stateDiagram-v2\n  state "a" as s_a\n  s_a --> s_a : x; y\n',
        'stateDiagram-v2\n  state "a" as s_a\n  --\n',
        'stateDiagram-v2\n  state "a" as s_a\n  class s_a nope\n',
    ],
)
def test_the_mermaid_checker_rejects_broken_diagrams(source: str) -> None:
    assert mermaid_problems(source) != []


# ---------------------------------------------------------------- every machine renders and parses


def test_there_are_machines_to_render() -> None:
    names = {p.name for p in MACHINE_FILES}
    assert {"hierarchical.yaml", "parallel.yaml", "order_fsm.yaml"} <= names


@pytest.mark.parametrize("path", MACHINE_FILES, ids=lambda p: p.name)
def test_every_machine_renders_to_valid_dot_and_mermaid(path: Path, dot_binary: str) -> None:
    config = load(path)
    dot_source = to_dot(config)
    rendered = subprocess.run(
        [dot_binary, "-Tsvg"], input=dot_source, capture_output=True, text=True, check=False, timeout=60
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stderr == "", f"Graphviz warned:\n{rendered.stderr}"
    assert "<svg" in rendered.stdout
    for state in config.states:
        assert f'"{state.name}"' in dot_source or f"state:{state.name}" in dot_source
    mermaid = to_mermaid(config)
    assert mermaid_problems(mermaid) == []
    for state in config.states:
        assert f'state "{state.name}" as s_{state.name}' in mermaid


# ---------------------------------------------------------------- what the drawings show


def block(text: str, opener: str) -> str:
    """The text of the brace block that starts at ``opener``."""
    start = text.index(opener)
    depth, index = 0, text.index("{", start)
    for position in range(index, len(text)):
        depth += {"{": 1, "}": -1}.get(text[position], 0)
        if depth == 0:
            return text[index : position + 1]
    raise AssertionError(f"unbalanced block after {opener!r}")


def test_dot_nests_compound_states_and_puts_regions_side_by_side() -> None:
    hierarchical = to_dot(load(HERE / "machines/hierarchical.yaml"))
    payment = block(hierarchical, 'subgraph "cluster_state:payment"')
    for child in ("choose", "card", "express"):
        assert f'"{child}" [' in payment
    assert '"idle" [' not in payment
    assert 'lhead="cluster_state:payment"' in hierarchical

    parallel = to_dot(load(HERE / "machines/parallel.yaml"))
    trading = block(parallel, 'subgraph "cluster_state:trading"')
    regions = [
        block(trading, f'subgraph "cluster_region:trading:{name}"') for name in ("orders", "risk", "feed")
    ]
    assert '"flat" [' in regions[0] and '"halted" [' in regions[1]
    assert 'subgraph "cluster_state:live"' in regions[2], "a compound state nested inside a region"
    assert all(r.count("style=dashed") == 1 for r in regions[:2])


def test_edges_carry_guards_delays_timeouts_and_history() -> None:
    config = load(HERE / "machines/hierarchical.yaml")
    dot = to_dot(config)
    assert 'label="start [has_cart, total > 0 and currency != \\"XYZ\\"]"' in dot
    assert "label=\"pick_card [method in ['visa', 'amex']]\"" in dot
    assert 'label="pay [(amount >= 1 and not blocked is set), (vip or score >= 7)]"' in dot
    assert 'label="after 5m", style=dashed' in dot
    assert 'label="timeout 30s"' in dot
    assert '"(auto) [needs_review]"' in dot
    assert '"note" -> "H(payment)" [label="resume"' in dot
    assert '"*" -> "failed" [label="cancel"' in dot

    mermaid = to_mermaid(config)
    assert (
        "s_idle --> s_payment : start #91;has_cart, total #gt; 0 and currency != #quot;XYZ#quot;#93;"
        in mermaid
    )
    assert "s_payment --> s_failed : after 5m" in mermaid
    assert "s_note --> h_payment : resume" in mermaid
    assert "any_state --> s_failed : cancel" in mermaid
    assert "s_done --> [*]" in mermaid
    assert "class s_failed error" in mermaid


def test_mermaid_nests_composites_and_divides_regions() -> None:
    mermaid = to_mermaid(load(HERE / "machines/parallel.yaml"), direction="LR")
    assert mermaid.splitlines()[1].strip() == "direction LR"
    trading = block(mermaid, 'state "trading" as s_trading')
    assert trading.count("\n        --\n") == 2, "three regions, two dividers"
    orders = block(trading, 'state "orders (region)" as r_orders')
    assert "[*] --> s_flat" in orders
    assert "s_flat --> s_long : buy #91;qty #gt; 0#93;" in orders, (
        "an edge sits in the block holding both ends"
    )
    live = block(trading, 'state "live" as s_live')
    assert "s_fresh --> s_stale : after 1500ms" in live
    assert "[*] --> s_boot" in mermaid.splitlines()[2]


def test_accepts_anything_exposing_a_config_and_refuses_the_rest() -> None:
    config = load(HERE / "machines/parallel.yaml")
    machine_like = SimpleNamespace(config=config)
    assert to_mermaid(machine_like) == to_mermaid(config)
    assert to_dot(machine_like) == to_dot(config)
    bad: Any = {"states": []}
    with pytest.raises(TypeError, match="MachineConfig"):
        to_dot(bad)


def test_a_parallel_state_with_a_child_outside_its_regions_still_draws(dot_binary: str) -> None:
    config = MachineConfig.model_validate(
        {
            "states": [
                {"name": "a", "type": "initial"},
                {
                    "name": "p",
                    "type": "parallel",
                    "regions": [{"name": "r1", "initial": "x", "states": ["x"]}],
                },
                {"name": "x", "parent": "p"},
                {"name": "stray", "parent": "p"},
            ],
            "transitions": [{"trigger": "go", "source": "a", "dest": "p"}],
        }
    )
    mermaid = to_mermaid(config)
    assert mermaid_problems(mermaid) == []
    assert 'state "stray" as s_stray' in block(mermaid, 'state "p" as s_p')
    rendered = subprocess.run(
        [dot_binary, "-Tsvg"], input=to_dot(config), capture_output=True, text=True, check=False
    )
    assert rendered.returncode == 0 and rendered.stderr == ""
