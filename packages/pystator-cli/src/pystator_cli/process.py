"""``pystator process FILE STATE TRIGGER``: one stateless transition, for scripts and pipelines.

``--json`` prints the same document as the API's ``POST /api/v1/process`` (``ProcessResponse``).
Guards registered by name in Python can be given outcomes with ``--guard NAME=true|false``.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from pystator_cli.machine_files import load_machine, require_files
from pystator_cli.output import EXIT_PROBLEMS, EXIT_USAGE, colour, fail, print_json

__all__ = ["process"]

_COMMAND = "process"
_BOOLEANS = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


def process(
    file: Annotated[Path, typer.Argument(help="A machine file.")],
    state: Annotated[str, typer.Argument(help="The current state.")],
    trigger: Annotated[str, typer.Argument(help="The event.")],
    *,
    context: Annotated[
        str | None,
        typer.Option("--context", "-c", help="The context as a JSON object, or - to read it from stdin."),
    ] = None,
    guard: Annotated[
        list[str] | None,
        typer.Option("--guard", "-g", help="Outcome of a named guard: NAME=true or NAME=false (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Compute one transition from STATE on TRIGGER; exit 1 when it is refused."""
    from pystator import GuardRegistry
    from pystator.errors import FSMError

    require_files(_COMMAND, [file])
    data = _context(context)
    guards = GuardRegistry()
    for name, outcome in _guard_outcomes(guard or []).items():
        guards.register(name, _constant(outcome))
    machine = load_machine(_COMMAND, file, guards=guards)
    try:
        result = machine.process(state, trigger, data)
    except FSMError as exc:
        if as_json:
            print_json({"success": False, "source_state": state, "trigger": trigger, "error": _error(exc)})
            raise typer.Exit(EXIT_PROBLEMS) from None
        fail(_COMMAND, exc.message, EXIT_PROBLEMS)
    if as_json:
        print_json(_response(result))
    else:
        _print_human(result)
    if not result.success:
        raise typer.Exit(EXIT_PROBLEMS)


def _constant(outcome: bool) -> Any:
    return lambda _context: outcome


def _context(text: str | None) -> dict[str, Any]:
    if text is None:
        return {}
    source = sys.stdin.read() if text == "-" else text
    try:
        value = json.loads(source) if source.strip() else {}
    except ValueError as exc:
        fail(_COMMAND, f"--context: expected a JSON object, got invalid JSON ({exc})", EXIT_USAGE)
    if not isinstance(value, dict):
        fail(_COMMAND, f"--context: expected a JSON object, got {type(value).__name__}", EXIT_USAGE)
    return value


def _guard_outcomes(entries: list[str]) -> dict[str, bool]:
    outcomes: dict[str, bool] = {}
    for entry in entries:
        name, sep, value = entry.partition("=")
        outcome = _BOOLEANS.get(value.strip().lower())
        if not sep or not name.strip() or outcome is None:
            fail(_COMMAND, f"--guard: expected NAME=true or NAME=false, got {entry!r}", EXIT_USAGE)
        outcomes[name.strip()] = outcome
    return outcomes


def _print_human(result: Any) -> None:
    if not result.success:
        reason = result.error.message if result.error is not None else "refused"
        code = f" [{result.error.code.value}]" if result.error is not None else ""
        refused = colour("refused", fg="red", bold=True)
        typer.echo(f"{result.source_state} --{result.trigger}--> {refused}: {reason}{code}")
        return
    target = colour(str(result.target_state), fg="green", bold=True)
    typer.echo(f"{result.source_state} --{result.trigger}--> {target}")
    for spec in result.all_action_specs:
        where = f" ({spec.state})" if spec.state else ""
        typer.echo(f"  {spec.phase} action: {spec.name} [{spec.kind}]{where}")
    for timer in result.timers_to_start:
        typer.echo(f"  start timer: {timer.timer_id} in {timer.delay_ms} ms -> {timer.trigger}")
    for name in result.timers_to_cancel:
        typer.echo(f"  cancel timers of: {name}")


def _jsonable(value: Any, depth: int = 0) -> Any:
    if depth > 32:
        return None
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_jsonable(v, depth + 1) for v in value]
    return str(value)


def _error(exc: Any) -> dict[str, Any]:
    from pystator_contracts.wire import ErrorBody

    body = ErrorBody(status=422, code=exc.code, message=exc.message, details=_jsonable(exc.context))
    return body.model_dump(mode="json")


def _response(result: Any) -> dict[str, Any]:
    from pystator_contracts.wire import ActionPlan, ProcessResponse, TimerPlan

    response = ProcessResponse(
        success=result.success,
        source_state=result.source_state,
        target_state=result.target_state,
        trigger=result.trigger,
        actions=[
            ActionPlan(
                name=s.name, kind=s.kind, params=_jsonable(dict(s.params)), phase=s.phase, state=s.state
            )
            for s in result.all_action_specs
        ],
        timers_to_start=[
            TimerPlan(
                timer_id=t.timer_id,
                state=t.state,
                delay_ms=t.delay_ms,
                trigger=t.trigger,
                kind=t.kind,
                destination=t.destination,
            )
            for t in result.timers_to_start
        ],
        timers_to_cancel=list(result.timers_to_cancel),
        metadata=_jsonable(
            {k: v for k, v in result.metadata.items() if k not in ("context", "action_results")}
        ),
    )
    data: dict[str, Any] = response.model_dump(mode="json")
    if result.error is not None:
        data["error"] = _error(result.error)
    return data
