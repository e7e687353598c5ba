"""Normalization: the engine receives a ``MachineConfig`` with composition resolved — submachines
(inline and files, nested, relative to the including file) flattened into child states, region
members adopted by their parallel state, initial children inferred."""

from __future__ import annotations

from pathlib import Path

import pytest

from pystator import ConfigurationError
from pystator.config import load_machine_config, parse_machine_config
from pystator_contracts.machine import StateDef

CORPUS = Path(__file__).parent / "corpus"


def by_name(path: Path) -> dict[str, StateDef]:
    return {s.name: s for s in load_machine_config(path).states}


def test_inline_and_file_submachines_become_children() -> None:
    config = load_machine_config(CORPUS / "valid" / "submachines.fsm.yaml")
    states = {s.name: s for s in config.states}
    assert [s.name for s in config.states] == [
        "cart", "checkout", "address", "shipping", "payment", "choose", "card_flow",
        "enter_number", "authorised", "shipped",
    ]  # fmt: skip
    assert states["checkout"].initial_child == "address"
    assert states["address"].parent == "checkout"
    assert states["address"].type == "stable"
    assert states["payment"].initial_child == "choose"
    assert states["card_flow"].parent == "payment"
    # parts/payment.fsm.yaml names nested/card.fsm.yaml relative to itself, not to the root file.
    assert states["enter_number"].parent == "card_flow"
    assert states["card_flow"].initial_child == "enter_number"
    assert [s.name for s in config.states if s.type == "initial"] == ["cart"]
    assert all(s.submachine is None for s in config.states)
    triggers = [t.trigger for t in config.transitions]
    # A submachine's transitions come before its host's, innermost first.
    assert triggers == ["confirm_address", "authorise", "card", "begin", "to_payment", "ship"]


def test_region_members_take_their_parallel_state_as_parent() -> None:
    states = by_name(CORPUS / "valid" / "parallel.fsm.yaml")
    assert {name: states[name].parent for name in ("idle", "working", "breached", "cleared")} == {
        "idle": "trading",
        "working": "trading",
        "breached": "trading",
        "cleared": "trading",
    }
    assert states["flat"].parent is None


def test_a_child_typed_initial_becomes_the_initial_child() -> None:
    states = by_name(CORPUS / "valid" / "hierarchy.fsm.yaml")
    assert states["payment"].initial_child == "card"
    assert states["card"].type == "stable"
    assert states["idle"].type == "initial"


def test_dict_input_resolves_file_references_against_base_path(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "inner.yaml").write_text(
        "states:\n  - {name: inner_a, type: initial}\n  - {name: inner_b}\n"
        "transitions:\n  - {trigger: step, source: inner_a, dest: inner_b}\n"
    )
    data = {
        "states": [{"name": "host", "type": "initial", "submachine": "sub/inner.yaml"}],
        "transitions": [],
    }
    config = parse_machine_config(data, base_path=tmp_path)
    assert [(s.name, s.parent) for s in config.states] == [
        ("host", None),
        ("inner_a", "host"),
        ("inner_b", "host"),
    ]
    with pytest.raises(ConfigurationError) as info:
        parse_machine_config(data, base_path=tmp_path / "elsewhere" / "root.yaml")
    assert info.value.errors == [
        "states[0].submachine: sub/inner.yaml: cannot read the file: No such file or directory"
    ]


def test_errors_inside_a_submachine_file_keep_their_line(tmp_path: Path) -> None:
    (tmp_path / "inner.yaml").write_text("states:\n  - name: a\n    name: b\ntransitions: []\n")
    data = {"states": [{"name": "host", "type": "initial", "submachine": "inner.yaml"}], "transitions": []}
    with pytest.raises(ConfigurationError) as info:
        parse_machine_config(data, base_path=tmp_path / "root.yaml")
    assert info.value.errors == ["states[0].submachine: inner.yaml:3: duplicate key 'name' (first at line 2)"]


def test_a_submachine_file_may_not_bring_machine_level_blocks(tmp_path: Path) -> None:
    (tmp_path / "inner.yaml").write_text(
        "states:\n  - {name: a, type: initial}\ntransitions: []\nstate_variables: [qty]\n"
    )
    data = {"states": [{"name": "host", "type": "initial", "submachine": "inner.yaml"}], "transitions": []}
    with pytest.raises(ConfigurationError) as info:
        parse_machine_config(data, base_path=tmp_path)
    assert info.value.errors == [
        "inner.yaml:state_variables: a submachine file contributes only states and transitions; "
        "declare state_variables in the machine that includes it"
    ]


def test_a_file_including_itself_is_a_cycle(tmp_path: Path) -> None:
    root = tmp_path / "self.yaml"
    root.write_text("states:\n  - {name: a, type: initial, submachine: self.yaml}\ntransitions: []\n")
    with pytest.raises(ConfigurationError) as info:
        load_machine_config(root)
    assert info.value.errors == [
        "states[0].submachine: submachine files form a cycle: self.yaml -> self.yaml"
    ]


def test_a_conflicting_initial_child_is_reported() -> None:
    data = {
        "states": [
            {"name": "a", "type": "initial"},
            {
                "name": "host",
                "initial_child": "second",
                "submachine": {"states": [{"name": "first", "type": "initial"}, {"name": "second"}]},
            },
        ],
        "transitions": [],
    }
    with pytest.raises(ConfigurationError) as info:
        parse_machine_config(data)
    assert info.value.errors == [
        "states[1].initial_child: 'second' conflicts with the submachine's initial state 'first'"
    ]
