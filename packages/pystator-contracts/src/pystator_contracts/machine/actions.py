"""Action entries: what ``on_enter``, ``on_exit`` and a transition's ``actions`` may hold."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Discriminator, Field, Tag

from pystator_contracts.machine.base import DurationSeconds, Name, StrictModel, one_or_many
from pystator_contracts.machine.conditions import Condition

__all__ = [
    "ActionEntry",
    "ActionOptions",
    "AppendEffect",
    "AppendSpec",
    "BranchAction",
    "BUILTIN_ACTIONS",
    "BranchSpec",
    "CallAction",
    "ClearEffect",
    "CodeAction",
    "CodeSpec",
    "ComputeEffect",
    "CustomAction",
    "CustomSpec",
    "DecrementEffect",
    "EFFECT_KEYS",
    "HttpAction",
    "HttpSpec",
    "IncrementEffect",
    "SetEffect",
    "TimestampEffect",
    "action_entry_kind",
]

FieldPath = Annotated[str, Field(min_length=1, max_length=200)]

BUILTIN_ACTIONS = frozenset(
    {"noop", "log", "trace", "set_context", "snapshot", "copy_key", "validate_keys", "publish", "emit_metric"}
)
"""Actions every executor provides without registration (see the configuration reference)."""


class ActionOptions(StrictModel):
    """Options any object entry may add."""

    when: Condition | None = None
    timeout: DurationSeconds | None = None
    retry: Annotated[int, Field(ge=0, le=100)] = 0
    retry_backoff: DurationSeconds | None = None


class CallAction(ActionOptions):
    """``{name, params}``: a registered action; params reach it as keyword arguments."""

    name: Name
    params: dict[str, Any] = Field(default_factory=dict)


class CustomSpec(StrictModel):
    name: Name
    params: dict[str, Any] = Field(default_factory=dict)


class CustomAction(ActionOptions):
    """``{custom: {name, params}}``: a registered action marked as coming from a registry catalog."""

    custom: CustomSpec


class SetEffect(ActionOptions):
    """``{set: {key: value}}``: assign context keys."""

    set: Annotated[dict[str, Any], Field(min_length=1)]


class TimestampEffect(ActionOptions):
    """``{timestamp: field}``: store the current time (ISO-8601 UTC) in a context field."""

    timestamp: FieldPath


class IncrementEffect(ActionOptions):
    """``{increment: field}``: add one to a numeric context field (a missing field counts as 0)."""

    increment: FieldPath


class DecrementEffect(ActionOptions):
    """``{decrement: field}``: subtract one from a numeric context field (a missing field counts as 0)."""

    decrement: FieldPath


class AppendSpec(StrictModel):
    field: FieldPath
    value: Any = None


class AppendEffect(ActionOptions):
    """``{append: {field, value}}``: append to a list in the context (a missing field starts empty)."""

    append: AppendSpec


class ClearEffect(ActionOptions):
    """``{clear: field}``: remove a context field."""

    clear: FieldPath


class ComputeEffect(ActionOptions):
    """``{compute: {field: expr}}``: assign the value of safe expressions over the context."""

    compute: Annotated[dict[str, Annotated[str, Field(min_length=1, max_length=2000)]], Field(min_length=1)]


class HttpSpec(StrictModel):
    """An HTTP call; ``{{ name }}`` in url, headers and body are filled from the context."""

    url: Annotated[str, Field(min_length=1)]
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    headers: dict[str, str] = Field(default_factory=dict)
    body: Any = None
    on_error: Literal["fail", "continue"] = "fail"


class HttpAction(ActionOptions):
    http: HttpSpec


class CodeSpec(StrictModel):
    source: Annotated[str, Field(min_length=1, max_length=20_000)]


class CodeAction(ActionOptions):
    """``{code: {source}}``: inline Python, refused unless inline code actions are enabled by settings."""

    code: CodeSpec


class BranchSpec(StrictModel):
    """``when`` true runs ``then``, else ``else``; entries nest (to a bounded depth)."""

    when: Condition
    then: Annotated[
        list[ActionEntry],
        BeforeValidator(one_or_many, json_schema_input_type=ActionEntry | list[ActionEntry] | None),
    ] = Field(default_factory=list)
    else_: Annotated[
        list[ActionEntry],
        BeforeValidator(one_or_many, json_schema_input_type=ActionEntry | list[ActionEntry] | None),
    ] = Field(default_factory=list, alias="else")


class BranchAction(ActionOptions):
    """``{branch: {when, then: [...], else: [...]}}``: conditional nested entries."""

    branch: BranchSpec


EFFECT_KEYS = ("set", "timestamp", "increment", "decrement", "append", "clear", "compute")
_OBJECT_KEYS = ("custom", *EFFECT_KEYS, "http", "code", "branch", "name")
_MODEL_TAGS: dict[type[StrictModel], str] = {
    CallAction: "name",
    CustomAction: "custom",
    SetEffect: "set",
    TimestampEffect: "timestamp",
    IncrementEffect: "increment",
    DecrementEffect: "decrement",
    AppendEffect: "append",
    ClearEffect: "clear",
    ComputeEffect: "compute",
    HttpAction: "http",
    CodeAction: "code",
    BranchAction: "branch",
}


def action_entry_kind(value: Any) -> str | None:
    """The tag of an action entry: ``"ref"`` for a bare name, else its defining key."""
    if isinstance(value, str):
        return "ref"
    if isinstance(value, dict):
        for key in _OBJECT_KEYS:
            if key in value:
                return key
        return None
    return _MODEL_TAGS.get(type(value))


ActionEntry = Annotated[
    Annotated[Name, Tag("ref")]
    | Annotated[CallAction, Tag("name")]
    | Annotated[CustomAction, Tag("custom")]
    | Annotated[SetEffect, Tag("set")]
    | Annotated[TimestampEffect, Tag("timestamp")]
    | Annotated[IncrementEffect, Tag("increment")]
    | Annotated[DecrementEffect, Tag("decrement")]
    | Annotated[AppendEffect, Tag("append")]
    | Annotated[ClearEffect, Tag("clear")]
    | Annotated[ComputeEffect, Tag("compute")]
    | Annotated[HttpAction, Tag("http")]
    | Annotated[CodeAction, Tag("code")]
    | Annotated[BranchAction, Tag("branch")],
    Discriminator(
        action_entry_kind,
        custom_error_type="action_entry",
        custom_error_message=(
            "expected an action name or an object with one of: name, custom, set, timestamp, increment, "
            "decrement, append, clear, compute, http, code, branch"
        ),
    ),
]
"""One action entry."""
