"""W3C SCXML export and import for the supported subset.

States nest as ``<state>``, ``<parallel>`` (each region a child ``<state>``) and ``<final>``;
transitions are ``<transition event cond target type>`` inside their source state (one per source
state); eventless transitions have no ``event``; ``H(x)``/``H*(x)`` targets point at a
``<history type="shallow|deep">`` child of ``x``; an ``after`` delay is a ``<send delay>`` in the
source's ``<onentry>`` (cancelled in ``<onexit>``) whose event the transition listens to. What
SCXML has no word for (guards as data, actions, state types, timeouts, meta) travels in attributes
and elements of the ``pystator`` namespace, so a machine survives the round trip exactly.

XML from users is untrusted: a document with a DTD (``<!DOCTYPE``, ``<!ENTITY``) is refused.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator.machine import StateMachine

__all__ = ["SCXML_NAMESPACE", "PYSTATOR_NAMESPACE", "from_scxml", "scxml_to_config", "to_scxml"]

SCXML_NAMESPACE = "http://www.w3.org/2005/07/scxml"
PYSTATOR_NAMESPACE = "https://pystator.dev/scxml"
_S = "{" + SCXML_NAMESPACE + "}"
_P = "{" + PYSTATOR_NAMESPACE + "}"
_STATE_STRUCTURE = {"name", "type", "parent", "initial_child", "regions", "on_enter", "on_exit"}
_TRANSITION_STRUCTURE = {"trigger", "source", "dest", "after", "auto", "internal", "guards", "actions"}
_HISTORY = re.compile(r"^(H\*?)\((.+)\)$")
_AFTER_EVENT = re.compile(r"^after\.(.+)\.(\d+)$")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), sort_keys=True)


def _history_id(parent: str, deep: bool) -> str:
    return f"{parent}.history_deep" if deep else f"{parent}.history"


# ---------------------------------------------------------------- export


def to_scxml(machine: StateMachine) -> str:
    """The machine as an SCXML document (a string, UTF-8, indented)."""
    ET.register_namespace("", SCXML_NAMESPACE)
    ET.register_namespace("pystator", PYSTATOR_NAMESPACE)
    config = machine.config.model_dump(mode="json", exclude_none=True, exclude_defaults=True, by_alias=True)
    states: list[dict[str, Any]] = config["states"]
    root = ET.Element(
        _S + "scxml",
        {"version": "1.0", "datamodel": "null", "name": machine.name, "initial": _initial_of(states)},
    )
    root.set(_P + "meta", _json(config.get("meta", {})))
    for key in sorted(set(config) - {"meta", "states", "transitions"}):
        root.set(_P + key, _json(config[key]))
    elements: dict[str, ET.Element] = {}
    by_name = {s["name"]: s for s in states}
    region_of = {
        member: (state["name"], region["name"])
        for state in states
        for region in state.get("regions", [])
        for member in region["states"]
    }
    regions: dict[tuple[str, str], ET.Element] = {}
    for state in states:
        parent = state.get("parent")
        if parent is None:
            container = root
        elif state["name"] in region_of:
            container = regions[region_of[state["name"]]]
        else:
            container = elements[parent]
        element = _state_element(container, state)
        elements[state["name"]] = element
        for region in state.get("regions", []):
            regions[(state["name"], region["name"])] = _region_element(element, state["name"], region)
    history: set[tuple[str, bool]] = set()
    for info in machine.transitions:
        definition = info.definition.model_dump(
            mode="json", exclude_none=True, exclude_defaults=True, by_alias=True
        )
        written = definition["source"]
        for source, element in _placements(
            written,
            info.source,
            definition=definition,
            by_name=by_name,
            elements=elements,
            regions=regions,
            root=root,
        ):
            _transition_element(element, source, info.index, definition, history)
    for parent, deep in sorted(history):
        ET.SubElement(
            elements[parent],
            _S + "history",
            {"id": _history_id(parent, deep), "type": "deep" if deep else "shallow"},
        )
    _timers(machine, elements, states)
    ET.indent(root)
    return ET.tostring(root, encoding="unicode", xml_declaration=False) + "\n"


def _placements(
    written: Any,
    resolved: frozenset[str],
    *,
    definition: Mapping[str, Any],
    by_name: Mapping[str, Any],
    elements: Mapping[str, ET.Element],
    regions: Mapping[tuple[str, str], ET.Element],
    root: ET.Element,
) -> list[tuple[str, ET.Element]]:
    """Where a transition goes: inside each source state; ``"*"`` on a region's ``<state>`` (every
    state of the region) or on every top-level state (SCXML has no "any state" source)."""
    if written == "*":
        region = definition.get("region")
        if region is not None:
            return [(k[1], e) for k, e in regions.items() if k[1] == region]
        return [(str(e.get("id")), e) for e in root if e.tag == _S + "state" or e.tag == _S + "parallel"]
    return [(source, elements[source]) for source in sorted(resolved, key=list(by_name).index)]


def _initial_of(states: list[dict[str, Any]]) -> str:
    return str(next((s["name"] for s in states if s.get("type") == "initial"), states[0]["name"]))


def _state_element(container: ET.Element, state: Mapping[str, Any]) -> ET.Element:
    kind = state.get("type", "stable")
    tag = {"terminal": "final", "parallel": "parallel"}.get(kind, "state")
    element = ET.SubElement(container, _S + tag, {"id": state["name"]})
    if kind not in {"stable", "terminal", "parallel"}:
        element.set(_P + "type", kind)
    if "initial_child" in state:
        element.set("initial", state["initial_child"])
    extra = {k: v for k, v in state.items() if k not in _STATE_STRUCTURE}
    if extra:
        element.set(_P + "def", _json(extra))
    _actions(element, "onentry", state.get("on_enter", []))
    _actions(element, "onexit", state.get("on_exit", []))
    return element


def _region_element(parallel: ET.Element, state: str, region: Mapping[str, Any]) -> ET.Element:
    element = ET.SubElement(parallel, _S + "state", {"id": f"{state}.{region['name']}"})
    element.set(_P + "region", region["name"])
    element.set("initial", region["initial"])
    extra = {k: v for k, v in region.items() if k not in {"name", "initial", "states"}}
    if extra:
        element.set(_P + "def", _json(extra))
    return element


def _actions(element: ET.Element, tag: str, actions: list[Any]) -> None:
    if not actions:
        return
    block = element.find(_S + tag)
    if block is None:
        block = ET.SubElement(element, _S + tag)
    for action in actions:
        _action(block, action)


def _action(block: ET.Element, action: Any) -> None:
    if isinstance(action, str):
        ET.SubElement(block, _P + "action", {"name": action})
    else:
        ET.SubElement(block, _P + "action", {"definition": _json(action)})


def _transition_element(
    element: ET.Element,
    source: str,
    index: int,
    definition: Mapping[str, Any],
    history: set[tuple[str, bool]],
) -> None:
    events = []
    if "trigger" in definition:
        events.append(definition["trigger"])
    if "after" in definition:
        events.append(f"after.{source}.{definition['after']}")
    attributes = {_P + "index": str(index)}
    if definition["source"] != source:
        attributes[_P + "source"] = _json(definition["source"])
    if events:
        attributes["event"] = " ".join(events)
    dest = definition.get("dest")
    if dest is not None:
        match = _HISTORY.match(dest)
        if match:
            history.add((match.group(2), match.group(1) == "H*"))
            dest = _history_id(match.group(2), match.group(1) == "H*")
        attributes["target"] = dest
    if definition.get("internal"):
        attributes["type"] = "internal"
    guards = definition.get("guards", [])
    if guards:
        attributes["cond"] = " and ".join(_readable_guard(g) for g in guards)
        attributes[_P + "guards"] = _json(guards)
    extra = {k: v for k, v in definition.items() if k not in _TRANSITION_STRUCTURE}
    if extra:
        attributes[_P + "def"] = _json(extra)
    transition = ET.SubElement(element, _S + "transition", attributes)
    for action in definition.get("actions", []):
        _action(transition, action)


def _readable_guard(guard: Any) -> str:
    if isinstance(guard, str):
        return f"{guard}()"
    if isinstance(guard, Mapping) and isinstance(guard.get("expr"), str):
        return f"({guard['expr']})"
    return f"({_json(guard)})"


def _timers(machine: StateMachine, elements: Mapping[str, ET.Element], states: list[dict[str, Any]]) -> None:
    """Each ``after`` transition and ``timeout`` becomes a delayed ``<send>`` on entry, cancelled on
    exit: what an SCXML interpreter needs to run the delays."""
    for info in machine.transitions:
        if info.after_ms is None:
            continue
        for source in info.source:
            _delayed_send(elements[source], f"after.{source}.{info.after_ms}", info.after_ms)
    for state in states:
        timeout = state.get("timeout")
        if timeout is not None:
            milliseconds = round(float(timeout["seconds"]) * 1000)
            event = f"timeout.{state['name']}"
            _delayed_send(elements[state["name"]], event, milliseconds)
            ET.SubElement(
                elements[state["name"]],
                _S + "transition",
                {"event": event, "target": timeout["destination"], _P + "timeout": "true"},
            )


def _delayed_send(element: ET.Element, event: str, milliseconds: int) -> None:
    onentry = element.find(_S + "onentry")
    if onentry is None:
        onentry = ET.Element(_S + "onentry")
        element.insert(0, onentry)
    if any(send.get("id") == event for send in onentry.iter(_S + "send")):
        return
    onentry.insert(0, ET.Element(_S + "send", {"event": event, "delay": f"{milliseconds}ms", "id": event}))
    onexit = element.find(_S + "onexit")
    if onexit is None:
        onexit = ET.Element(_S + "onexit")
        element.insert(list(element).index(onentry) + 1, onexit)
    onexit.insert(0, ET.Element(_S + "cancel", {"sendid": event}))


# ---------------------------------------------------------------- import


def scxml_to_config(text: str) -> dict[str, Any]:
    """The machine configuration (a plain mapping, as ``StateMachine.from_dict`` takes) of an
    SCXML document; ``ConfigurationError`` for a DTD, malformed XML or an unsupported element."""
    if re.search(r"<!DOCTYPE|<!ENTITY", text, re.IGNORECASE):
        raise ConfigurationError("scxml: a DTD or entity declaration is not accepted (untrusted XML)")
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise ConfigurationError(f"scxml: not well-formed XML ({exc})") from exc
    if root.tag != _S + "scxml":
        raise ConfigurationError(
            f"scxml: root element: expected <scxml> in {SCXML_NAMESPACE}, got {root.tag}"
        )
    reader = _Reader()
    for child in _state_children(root):
        reader.state(child, parent=None)
    config: dict[str, Any] = {}
    meta = json.loads(root.get(_P + "meta", "{}"))
    if "name" in root.attrib and "machine_name" not in meta:
        meta["machine_name"] = root.get("name")
    if meta:
        config["meta"] = meta
    for key, value in root.attrib.items():
        if key.startswith(_P) and key != _P + "meta":
            config[key[len(_P) :]] = json.loads(value)
    initial = root.get("initial")
    if initial is not None:
        if initial not in reader.states:
            raise ConfigurationError(f"scxml: <scxml initial={initial!r}>: no such state")
        reader.states[initial].setdefault("type", "initial")
    config["states"] = list(reader.states.values())
    config["transitions"] = reader.transitions()
    return config


def from_scxml(source: str | Path, **registries: Any) -> StateMachine:
    """A ``StateMachine`` from SCXML text or a ``.scxml`` file path."""
    from pystator.machine import StateMachine

    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    return StateMachine.from_dict(scxml_to_config(text), **registries)


def _state_children(element: ET.Element) -> Iterator[ET.Element]:
    for child in element:
        if child.tag in {_S + "state", _S + "parallel", _S + "final"}:
            yield child


class _Reader:
    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self._transitions: list[tuple[int, int, Any, dict[str, Any]]] = []
        self._delays: dict[str, int] = {}

    def state(self, element: ET.Element, parent: str | None, region: dict[str, Any] | None = None) -> None:
        name = element.get("id")
        if not name:
            raise ConfigurationError(f"scxml: <{_local(element.tag)}> without an id")
        definition: dict[str, Any] = {"name": name}
        kind = element.get(_P + "type") or {"final": "terminal", "parallel": "parallel"}.get(
            _local(element.tag)
        )
        if kind:
            definition["type"] = kind
        if parent is not None:
            definition["parent"] = parent
        definition.update(json.loads(element.get(_P + "def", "{}")))
        self.states[name] = definition
        if region is not None:
            region["states"].append(name)
        self._entry_exit(element, definition)
        self._children(element, definition)
        self._read_transitions(element, name)

    def _entry_exit(self, element: ET.Element, definition: dict[str, Any]) -> None:
        for block, key in (("onentry", "on_enter"), ("onexit", "on_exit")):
            actions = [a for b in element.findall(_S + block) for a in self._actions(b)]
            if actions:
                definition[key] = actions
            for b in element.findall(_S + block):
                for send in b.iter(_S + "send"):
                    self._delays[send.get("event", "")] = _milliseconds(
                        send.get("delay", ""), definition["name"]
                    )

    def _children(self, element: ET.Element, definition: dict[str, Any]) -> None:
        name = definition["name"]
        if _local(element.tag) == "parallel":
            definition["regions"] = [self._region(name, child) for child in _state_children(element)]
            return
        children = list(_state_children(element))
        if children:
            definition["initial_child"] = element.get("initial") or children[0].get("id")
        for child in children:
            self.state(child, parent=name)
        for child in element.findall(_S + "history"):
            if child.get("type") not in {None, "shallow", "deep"}:
                raise ConfigurationError(
                    f"scxml: <history id={child.get('id')!r}>: type must be shallow or deep"
                )

    def _read_transitions(self, element: ET.Element, source: str, region: str | None = None) -> None:
        for position, transition in enumerate(element.findall(_S + "transition")):
            if transition.get(_P + "timeout") == "true":
                continue
            index = int(transition.get(_P + "index", str(10**9 + len(self._transitions))))
            definition = self._transition(transition)
            if region is not None:
                definition["region"] = region
            written = transition.get(_P + "source")
            self._transitions.append(
                (index, position, json.loads(written) if written else source, definition)
            )

    def _region(self, parallel: str, element: ET.Element) -> dict[str, Any]:
        region: dict[str, Any] = {
            "name": element.get(_P + "region") or element.get("id"),
            "initial": element.get("initial"),
            "states": [],
        }
        region.update(json.loads(element.get(_P + "def", "{}")))
        for child in _state_children(element):
            self.state(child, parent=parallel, region=region)
        self._read_transitions(element, region["name"], region=region["name"])
        if region["initial"] is None and region["states"]:
            region["initial"] = region["states"][0]
        return region

    def _actions(self, block: ET.Element) -> list[Any]:
        actions: list[Any] = []
        for action in block.findall(_P + "action"):
            if action.get("name") is not None:
                actions.append(action.get("name"))
            else:
                actions.append(json.loads(action.get("definition", "null")))
        return actions

    def _transition(self, element: ET.Element) -> dict[str, Any]:
        definition: dict[str, Any] = {}
        triggers = []
        for event in (element.get("event") or "").split():
            after = _AFTER_EVENT.match(event)
            if after and event in self._delays:
                definition["after"] = int(after.group(2))
            else:
                triggers.append(event)
        if len(triggers) > 1:
            raise ConfigurationError(
                f"scxml: <transition event={element.get('event')!r}>: one event per transition"
            )
        if triggers:
            definition["trigger"] = triggers[0]
        elif "after" not in definition:
            definition["auto"] = True
        target = element.get("target")
        if target is not None:
            definition["dest"] = _history_target(target)
        if element.get("type") == "internal":
            definition["internal"] = True
        if element.get(_P + "guards"):
            definition["guards"] = json.loads(element.get(_P + "guards", "[]"))
        elif element.get("cond"):
            definition["guards"] = [{"expr": element.get("cond")}]
        actions = self._actions(element)
        if actions:
            definition["actions"] = actions
        definition.update(json.loads(element.get(_P + "def", "{}")))
        return definition

    def transitions(self) -> list[dict[str, Any]]:
        merged: dict[int, dict[str, Any]] = {}
        ordered = sorted(self._transitions, key=lambda t: (t[0], t[1]))
        for index, _, source, definition in ordered:
            if index in merged and index < 10**9:
                sources = merged[index]["source"]
                if sources == source:
                    continue
                merged[index]["source"] = [*(sources if isinstance(sources, list) else [sources]), source]
            else:
                merged[index if index < 10**9 else index + len(merged)] = {**definition, "source": source}
        return list(merged.values())


def _history_target(target: str) -> str:
    if target.endswith(".history_deep"):
        return f"H*({target.removesuffix('.history_deep')})"
    if target.endswith(".history"):
        return f"H({target.removesuffix('.history')})"
    return target


def _milliseconds(delay: str, state: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(ms|s|m|min|h)?\s*", delay)
    if not match:
        raise ConfigurationError(
            f"scxml: <send delay={delay!r}> in state {state!r}: expected e.g. '500ms' or '5s'"
        )
    factor = {"ms": 1, None: 1, "s": 1000, "m": 60_000, "min": 60_000, "h": 3_600_000}[match.group(2)]
    return round(float(match.group(1)) * factor)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]
