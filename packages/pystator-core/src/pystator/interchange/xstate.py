"""XState v5 machine configuration (JSON) export and import.

Every state node carries ``id`` = the state name, so targets are ``#name`` whatever the nesting;
parallel states hold their regions as child nodes; history targets point at ``{type: "history"}``
child nodes; ``after`` delays and state timeouts sit in the source's ``after`` map; eventless
transitions in ``always``. Guards become XState guard objects (``"name"``, ``{type: "expr",
params}``, ``{type: "and", guards}``); what XState has no word for travels in ``meta.pystator``,
so a machine survives the round trip exactly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pystator.errors import ConfigurationError

if TYPE_CHECKING:
    from pystator.machine import StateMachine

__all__ = ["from_xstate", "to_xstate", "xstate_to_config"]

_STATE_STRUCTURE = {"name", "type", "parent", "initial_child", "regions", "on_enter", "on_exit"}
_TRANSITION_STRUCTURE = {"trigger", "source", "dest", "after", "auto", "internal", "guards", "actions"}
_HISTORY = re.compile(r"^(H\*?)\((.+)\)$")
_KEY = "pystator"


def _history_id(parent: str, deep: bool) -> str:
    return f"{parent}.history_deep" if deep else f"{parent}.history"


# ---------------------------------------------------------------- export


def to_xstate(machine: StateMachine) -> dict[str, Any]:
    """The machine as an XState v5 ``createMachine`` configuration (JSON-ready)."""
    config = machine.config.model_dump(mode="json", exclude_none=True, exclude_defaults=True, by_alias=True)
    states: list[dict[str, Any]] = config["states"]
    initial = next((s["name"] for s in states if s.get("type") == "initial"), states[0]["name"])
    root: dict[str, Any] = {"id": machine.name, "initial": initial, "states": {}}
    extra = {k: v for k, v in config.items() if k not in {"states", "transitions"}}
    root["meta"] = {_KEY: extra}
    nodes: dict[str, dict[str, Any]] = {}
    regions: dict[tuple[str, str], dict[str, Any]] = {}
    region_of = {
        member: (state["name"], region["name"])
        for state in states
        for region in state.get("regions", [])
        for member in region["states"]
    }
    for state in states:
        parent = state.get("parent")
        if parent is None:
            container = root
        elif state["name"] in region_of:
            container = regions[region_of[state["name"]]]
        else:
            container = nodes[parent]
        node = _state_node(state)
        container.setdefault("states", {})[state["name"]] = node
        nodes[state["name"]] = node
        for region in state.get("regions", []):
            regions[(state["name"], region["name"])] = node.setdefault("states", {})[region["name"]] = (
                _region_node(state["name"], region)
            )
    by_name = list(nodes)
    for info in machine.transitions:
        definition = info.definition.model_dump(
            mode="json", exclude_none=True, exclude_defaults=True, by_alias=True
        )
        written = definition["source"]
        if written == "*" and definition.get("region") is not None:
            places = [(k[1], n) for k, n in regions.items() if k[1] == definition["region"]]
        elif written == "*":
            places = [(name, node) for name, node in root["states"].items()]
        else:
            places = [(s, nodes[s]) for s in sorted(info.source, key=by_name.index)]
        for source, node in places:
            _add_transition(node, source, info.index, definition, nodes)
    for state in states:
        timeout = state.get("timeout")
        if timeout is not None:
            milliseconds = str(round(float(timeout["seconds"]) * 1000))
            nodes[state["name"]].setdefault("after", {}).setdefault(milliseconds, []).append(
                {"target": f"#{timeout['destination']}", "meta": {_KEY: {"timeout": True}}}
            )
    return root


def _state_node(state: Mapping[str, Any]) -> dict[str, Any]:
    node: dict[str, Any] = {"id": state["name"]}
    kind = state.get("type", "stable")
    if kind == "terminal":
        node["type"] = "final"
    elif kind == "parallel":
        node["type"] = "parallel"
    if "initial_child" in state:
        node["initial"] = state["initial_child"]
    if state.get("on_enter"):
        node["entry"] = [_action(a) for a in state["on_enter"]]
    if state.get("on_exit"):
        node["exit"] = [_action(a) for a in state["on_exit"]]
    if "description" in state:
        node["description"] = state["description"]
    meta = {k: v for k, v in state.items() if k not in _STATE_STRUCTURE}
    if kind not in {"stable", "terminal", "parallel"}:
        meta["type"] = kind
    meta["actions"] = {"entry": state.get("on_enter", []), "exit": state.get("on_exit", [])}
    node["meta"] = {_KEY: meta}
    return node


def _region_node(state: str, region: Mapping[str, Any]) -> dict[str, Any]:
    extra = {k: v for k, v in region.items() if k not in {"initial", "states"}}
    return {
        "id": f"{state}.{region['name']}",
        "initial": region["initial"],
        "states": {},
        "meta": {_KEY: extra},
    }


def _action(action: Any) -> Any:
    if isinstance(action, str):
        return action
    if isinstance(action, Mapping) and isinstance(action.get("name"), str):
        return {"type": action["name"], "params": dict(action.get("params") or {})}
    key = next(iter(action)) if isinstance(action, Mapping) and action else "action"
    return {"type": str(key), "params": dict(action) if isinstance(action, Mapping) else {}}


def _guard(guards: list[Any]) -> Any:
    def one(guard: Any) -> Any:
        if isinstance(guard, str):
            return guard
        if isinstance(guard, Mapping) and len(guard) == 1:
            key, value = next(iter(guard.items()))
            if key in {"allOf", "anyOf"}:
                return {"type": "and" if key == "allOf" else "or", "guards": [one(g) for g in value]}
            if key == "not":
                return {"type": "not", "guards": [one(value)]}
            return {"type": key, "params": value if isinstance(value, Mapping) else {key: value}}
        return {"type": "guard", "params": guard}

    return one(guards[0]) if len(guards) == 1 else {"type": "and", "guards": [one(g) for g in guards]}


def _add_transition(
    node: dict[str, Any], source: str, index: int, definition: Mapping[str, Any], nodes: Mapping[str, Any]
) -> None:
    transition: dict[str, Any] = {}
    dest = definition.get("dest")
    if dest is not None:
        match = _HISTORY.match(dest)
        if match:
            parent, deep = match.group(2), match.group(1) == "H*"
            history_node = {
                "id": _history_id(parent, deep),
                "type": "history",
                "history": "deep" if deep else "shallow",
            }
            nodes[parent].setdefault("states", {})["history_deep" if deep else "history"] = history_node
            transition["target"] = f"#{history_node['id']}"
        else:
            transition["target"] = f"#{dest}"
        transition["reenter"] = not definition.get("internal", False)
    if definition.get("guards"):
        transition["guard"] = _guard(definition["guards"])
    if definition.get("actions"):
        transition["actions"] = [_action(a) for a in definition["actions"]]
    if "description" in definition:
        transition["description"] = definition["description"]
    meta: dict[str, Any] = {k: v for k, v in definition.items() if k not in _TRANSITION_STRUCTURE}
    meta.update(index=index, guards=definition.get("guards", []), actions=definition.get("actions", []))
    if definition.get("internal"):
        meta["internal"] = True
    if definition["source"] != source:
        meta["source"] = definition["source"]
    if "trigger" in definition:
        on_meta = {**meta, "also_after": definition["after"]} if "after" in definition else meta
        node.setdefault("on", {}).setdefault(definition["trigger"], []).append(
            {**transition, "meta": {_KEY: on_meta}}
        )
    if "after" in definition:
        node.setdefault("after", {}).setdefault(str(definition["after"]), []).append(
            {**transition, "meta": {_KEY: {**meta, "after": True, "trigger_too": "trigger" in definition}}}
        )
    if "trigger" not in definition and "after" not in definition:
        node.setdefault("always", []).append({**transition, "meta": {_KEY: meta}})


# ---------------------------------------------------------------- import


def xstate_to_config(data: Mapping[str, Any]) -> dict[str, Any]:
    """The machine configuration of an XState v5 machine configuration (as ``to_xstate`` writes it,
    or any config using the same subset: ``#id`` or sibling targets, ``on``, ``after``,
    ``always``, string or expr guards); ``ConfigurationError`` naming the node otherwise."""
    if not isinstance(data, Mapping) or not isinstance(data.get("states"), Mapping):
        raise ConfigurationError("xstate: expected a machine configuration object with 'states'")
    reader = _Reader()
    for key, node in data["states"].items():
        reader.node(key, node, parent=None, path=f"states.{key}")
    extra = dict((data.get("meta") or {}).get(_KEY) or {})
    config: dict[str, Any] = dict(extra)
    if "meta" not in config and data.get("id"):
        config["meta"] = {"machine_name": data["id"]}
    initial = data.get("initial") or next(iter(data["states"]))
    if initial in reader.states:
        reader.states[initial].setdefault("type", "initial")
    config["states"] = list(reader.states.values())
    config["transitions"] = reader.transitions()
    return config


def from_xstate(source: Mapping[str, Any] | str | Path, **registries: Any) -> StateMachine:
    """A ``StateMachine`` from an XState configuration: a mapping, JSON text or a ``.json`` path."""
    from pystator.machine import StateMachine

    if isinstance(source, Path):
        source = source.read_text(encoding="utf-8")
    if isinstance(source, str):
        try:
            source = json.loads(source)
        except json.JSONDecodeError as exc:
            raise ConfigurationError(f"xstate: not valid JSON ({exc.msg})") from exc
    if not isinstance(source, Mapping):
        raise ConfigurationError("xstate: expected a JSON object")
    return StateMachine.from_dict(xstate_to_config(source), **registries)


class _Reader:
    def __init__(self) -> None:
        self.states: dict[str, dict[str, Any]] = {}
        self._transitions: list[tuple[int, int, Any, dict[str, Any]]] = []

    def node(
        self, key: str, node: Mapping[str, Any], parent: str | None, path: str, region: Any = None
    ) -> None:
        if not isinstance(node, Mapping):
            raise ConfigurationError(f"xstate: {path}: expected a state node object")
        if node.get("type") == "history":
            return
        name = str(node.get("id") or key)
        meta = dict((node.get("meta") or {}).get(_KEY) or {})
        definition: dict[str, Any] = {"name": name}
        kind = meta.pop("type", None) or {"final": "terminal", "parallel": "parallel"}.get(
            node.get("type", "")
        )
        if kind:
            definition["type"] = kind
        if parent is not None:
            definition["parent"] = parent
        actions = meta.pop("actions", None)
        if "description" in node:
            definition["description"] = node["description"]
        definition.update(meta)
        entry = actions["entry"] if actions else [_read_action(a) for a in node.get("entry", [])]
        exit_ = actions["exit"] if actions else [_read_action(a) for a in node.get("exit", [])]
        if entry:
            definition["on_enter"] = entry
        if exit_:
            definition["on_exit"] = exit_
        self.states[name] = definition
        if region is not None:
            region["states"].append(name)
        children = {k: v for k, v in (node.get("states") or {}).items() if v.get("type") != "history"}
        if node.get("type") == "parallel":
            definition["regions"] = [
                self._region(name, k, v, f"{path}.states.{k}") for k, v in children.items()
            ]
        else:
            if children:
                definition["initial_child"] = node.get("initial") or next(iter(children))
            for child_key, child in children.items():
                self.node(child_key, child, parent=name, path=f"{path}.states.{child_key}")
        self._read_transitions(node, name, path)

    def _region(self, parallel: str, key: str, node: Mapping[str, Any], path: str) -> dict[str, Any]:
        meta = dict((node.get("meta") or {}).get(_KEY) or {})
        region: dict[str, Any] = {"name": meta.pop("name", key), "initial": node.get("initial"), "states": []}
        region.update(meta)
        for child_key, child in (node.get("states") or {}).items():
            self.node(child_key, child, parent=parallel, path=f"{path}.states.{child_key}", region=region)
        if region["initial"] is None and region["states"]:
            region["initial"] = region["states"][0]
        self._read_transitions(
            node, region["states"][0] if region["states"] else parallel, path, region["name"]
        )
        return region

    def _read_transitions(
        self, node: Mapping[str, Any], source: str, path: str, region: str | None = None
    ) -> None:
        entries: list[tuple[str, dict[str, Any]]] = []
        for trigger, transitions in (node.get("on") or {}).items():
            entries += [(trigger, t) for t in _as_list(transitions)]
        for delay, transitions in (node.get("after") or {}).items():
            entries += [(f"after:{delay}", t) for t in _as_list(transitions)]
        entries += [("", t) for t in _as_list(node.get("always") or [])]
        for position, (event, transition) in enumerate(entries):
            meta = dict((transition.get("meta") or {}).get(_KEY) or {})
            if meta.get("timeout") or (meta.get("after") and meta.get("trigger_too")):
                continue
            index = int(meta.pop("index", 10**9 + len(self._transitions)))
            written = meta.get("source", source)
            definition = self._transition(event, transition, meta, f"{path}.{event or 'always'}")
            if region is not None and written == "*":
                definition["region"] = region
            self._transitions.append((index, position, written, definition))

    def _transition(
        self, event: str, transition: Mapping[str, Any], meta: dict[str, Any], path: str
    ) -> dict[str, Any]:
        definition = _event_kind(event)
        target = transition.get("target")
        if isinstance(target, list):
            raise ConfigurationError(f"xstate: {path}: one target per transition")
        if target is not None:
            definition["dest"] = _read_target(str(target))
        guards = meta.pop("guards", None)
        if guards is None and "guard" in transition:
            guards = [_read_guard(transition["guard"], path)]
        if guards:
            definition["guards"] = guards
        actions = meta.pop("actions", None)
        if actions is None:
            actions = [_read_action(a) for a in transition.get("actions", [])]
        if actions:
            definition["actions"] = actions
        if meta.pop("internal", False) or (transition.get("reenter") is False and target is not None):
            definition["internal"] = True
        if "also_after" in meta:
            definition["after"] = int(meta["also_after"])
        for key in ("after", "trigger_too", "source", "also_after"):
            meta.pop(key, None)
        if "description" in transition:
            definition["description"] = transition["description"]
        definition.update(meta)
        return definition

    def transitions(self) -> list[dict[str, Any]]:
        merged: dict[int, dict[str, Any]] = {}
        for index, _, source, definition in sorted(self._transitions, key=lambda t: (t[0], t[1])):
            key = index if index < 10**9 else index + len(merged)
            if key in merged:
                sources = merged[key]["source"]
                if sources != source:
                    merged[key]["source"] = [*(sources if isinstance(sources, list) else [sources]), source]
                continue
            merged[key] = {**definition, "source": source}
        return list(merged.values())


def _event_kind(event: str) -> dict[str, Any]:
    if event.startswith("after:"):
        return {"after": int(event.removeprefix("after:"))}
    return {"trigger": event} if event else {"auto": True}


def _as_list(value: Any) -> list[dict[str, Any]]:
    items = value if isinstance(value, list) else [value]
    return [{"target": item} if isinstance(item, str) else dict(item) for item in items]


def _read_target(target: str) -> str:
    name = target.removeprefix("#").removeprefix(".")
    if name.endswith(".history_deep"):
        return f"H*({name.removesuffix('.history_deep')})"
    if name.endswith(".history"):
        return f"H({name.removesuffix('.history')})"
    return name


def _read_action(action: Any) -> Any:
    if isinstance(action, str):
        return action
    if isinstance(action, Mapping) and isinstance(action.get("type"), str):
        params = action.get("params")
        return {"name": action["type"], "params": dict(params)} if params else action["type"]
    raise ConfigurationError(f"xstate: action {action!r}: expected a name or {{type, params}}")


def _read_guard(guard: Any, path: str) -> Any:
    if isinstance(guard, str):
        return guard
    if isinstance(guard, Mapping) and guard.get("type") in {"and", "or"}:
        key = "allOf" if guard["type"] == "and" else "anyOf"
        return {key: [_read_guard(g, path) for g in guard.get("guards", [])]}
    if isinstance(guard, Mapping) and guard.get("type") == "not":
        return {"not": _read_guard(guard.get("guards", [None])[0], path)}
    if isinstance(guard, Mapping) and guard.get("type") in {"expr", "check"}:
        params = guard.get("params") or {}
        return {"expr": params["expr"]} if guard["type"] == "expr" else {"check": params}
    if isinstance(guard, Mapping) and isinstance(guard.get("type"), str):
        return guard["type"]
    raise ConfigurationError(f"xstate: {path}.guard: expected a name or {{type, params}}, got {guard!r}")
