"""Reading machine files safely: hostile YAML (alias bombs, duplicate keys, deep nesting, huge
files, unsafe tags) and JSON get a clear ``ConfigurationError`` naming the file and line."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from pystator import ConfigurationError
from pystator.config import MAX_DEPTH, load_file, load_json, load_yaml

ALIAS_BOMB = """
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
"""


def problems(text: str, *, source: str = "m.yaml") -> list[str]:
    with pytest.raises(ConfigurationError) as info:
        load_yaml(text, source=source)
    return info.value.errors


def test_alias_bomb_is_refused_quickly() -> None:
    started = time.perf_counter()
    assert problems(ALIAS_BOMB) == ["m.yaml:2: anchors (&a) are not allowed in machine files"]
    assert time.perf_counter() - started < 1.0


def test_an_alias_alone_is_refused_with_its_line() -> None:
    text = "states:\n  - name: a\n    on_enter: *notify\n"
    assert problems(text) == ["m.yaml:3: aliases (*notify) are not allowed in machine files"]


def test_duplicate_keys_name_both_lines() -> None:
    text = "states:\n  - name: a\n    type: initial\n    name: b\ntransitions: []\n"
    assert problems(text) == ["m.yaml:4: duplicate key 'name' (first at line 2)"]


def test_duplicate_top_level_keys() -> None:
    text = "states: []\ntransitions: []\nstates: []\n"
    assert problems(text) == ["m.yaml:3: duplicate key 'states' (first at line 1)"]


def test_duplicate_json_keys_name_both_lines() -> None:
    text = '{\n  "states": [],\n  "transitions": [],\n  "states": []\n}'
    with pytest.raises(ConfigurationError) as info:
        load_json(text, source="m.json")
    assert info.value.errors == ["m.json:4: duplicate key 'states' (first at line 2)"]


def test_duplicate_json_keys_in_a_nested_object() -> None:
    text = '{"states": [{"name": "a",\n "type": "initial",\n "name": "b"}], "transitions": []}'
    with pytest.raises(ConfigurationError) as info:
        load_json(text, source="m.json")
    assert info.value.errors == ["m.json:3: duplicate key 'name' (first at line 1)"]


@pytest.mark.parametrize(
    "text",
    [
        "a: " + "[" * 5000 + "]" * 5000,
        "a: " + "{b: " * 5000 + "1" + "}" * 5000,
        "".join(f"{'  ' * i}k{i}:\n" for i in range(MAX_DEPTH + 5)) + "  " * (MAX_DEPTH + 5) + "v: 1\n",
    ],
    ids=["flow-lists", "flow-maps", "block-maps"],
)
def test_deep_yaml_nesting_is_a_clear_error(text: str) -> None:
    found = problems(text)
    assert len(found) == 1
    assert f"nests deeper than {MAX_DEPTH} levels" in found[0]


def test_deep_json_nesting_is_a_clear_error() -> None:
    for depth in (MAX_DEPTH + 1, 100_000):
        with pytest.raises(ConfigurationError) as info:
            load_json('{"a": ' + "[" * depth + "]" * depth + "}", source="m.json")
        assert "nests" in info.value.errors[0]
        assert f"{MAX_DEPTH} levels" in info.value.errors[0]


def nested(lists: int) -> str:
    """A mapping holding ``lists`` nested lists: ``lists + 1`` levels deep."""
    return '{"a": ' + "[" * lists + "]" * lists + "}"


def test_nesting_up_to_the_limit_is_fine_and_one_more_is_not() -> None:
    assert load_json(nested(MAX_DEPTH - 1))["a"]
    assert load_yaml(nested(MAX_DEPTH - 1))["a"]
    with pytest.raises(ConfigurationError):
        load_json(nested(MAX_DEPTH))
    with pytest.raises(ConfigurationError):
        load_yaml(nested(MAX_DEPTH))


def test_oversized_files_are_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.fsm.yaml"
    path.write_text("states: []\n" + "# padding\n" * 2000)
    with pytest.raises(ConfigurationError) as info:
        load_file(path, max_bytes=1000)
    assert info.value.errors == [f"{path}: the file is larger than 1000 bytes; refusing to parse it"]


def test_oversized_text_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="longer than 10 characters"):
        load_yaml("states: []\ntransitions: []\n", max_chars=10)


def test_yaml_1_2_keeps_on_off_yes_no_as_strings_and_dates_as_text() -> None:
    data = load_yaml("on: off\nyes: no\nwhen: 2024-01-31\nflag: true\nn: 0o17\n")
    assert data == {"on": "off", "yes": "no", "when": "2024-01-31", "flag": True, "n": 15}


def test_unsafe_tags_are_refused() -> None:
    found = problems("states: !!python/object/apply:os.system ['echo hacked']\n")
    assert len(found) == 1
    assert found[0].startswith("m.yaml:1: could not determine a constructor for the tag")


def test_syntax_errors_name_the_line() -> None:
    found = problems("states:\n  - name: a\n   type: initial\n")
    assert found[0].startswith("m.yaml:3: ")


def test_one_mapping_document_is_required() -> None:
    assert problems("") == ["m.yaml: the document is empty; expected a mapping with states and transitions"]
    assert problems("- a\n- b\n") == [
        "m.yaml: expected a mapping with states and transitions at the top level, got a list"
    ]
    assert problems("a: 1\n---\nb: 2\n")[0].startswith("m.yaml:")


def test_json_files_by_suffix_or_by_request(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_text(json.dumps({"states": [{"name": "on", "type": "initial"}], "transitions": []}))
    assert load_file(path)["states"][0]["name"] == "on"
    text_path = tmp_path / "m.txt"
    text_path.write_text('{"a": 1,\n "b": NaN}')
    with pytest.raises(ConfigurationError, match="NaN is not a JSON value"):
        load_file(text_path, format="json")
    assert load_file(text_path, format="yaml") == {"a": 1, "b": "NaN"}


def test_json_rejects_nan_and_reports_syntax_errors_with_line() -> None:
    with pytest.raises(ConfigurationError, match="NaN is not a JSON value"):
        load_json('{"a": NaN}')
    with pytest.raises(ConfigurationError) as info:
        load_json('{\n"a": 1,\n}', source="m.json")
    assert info.value.errors[0].startswith("m.json:3: invalid JSON:")


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="No such file or directory"):
        load_file(tmp_path / "missing.yaml")
    latin = tmp_path / "latin.yaml"
    latin.write_bytes("description: caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigurationError, match="not UTF-8 text"):
        load_file(latin)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(b"\xef\xbb\xbfstates: []\ntransitions: []\n")
    assert load_file(path) == {"states": [], "transitions": []}
