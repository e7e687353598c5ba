"""``POST /api/v1/machines/validate`` and ``POST /api/v1/process`` (stateless, never runs actions)."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

from fastapi import APIRouter

from pystator.actions import builtin_registries
from pystator.errors import ConfigurationError
from pystator.machine import StateMachine
from pystator_api.convert import process_response
from pystator_api.definitions import compile_definition, read_source, validate_definition
from pystator_api.deps import Caller, Rt
from pystator_api.errors import error_responses
from pystator_api.models import ProcessBody, ValidateBody
from pystator_contracts.wire import LintFinding, ProcessResponse, ValidationReport

__all__ = ["router"]

router = APIRouter(prefix="/api/v1", tags=["process"])

_INLINE_CACHE_SIZE = 64
_BUILTINS = builtin_registries()  # what this server can run: lint names the guards/actions it lacks
_inline: OrderedDict[str, StateMachine] = OrderedDict()


@router.post(
    "/machines/validate",
    response_model=ValidationReport,
    summary="Validate a machine definition: every error, and lint warnings when valid",
    responses=error_responses(401, 422),
)
async def validate(body: ValidateBody, _: Caller) -> ValidationReport:
    try:
        data, _text, _fmt = read_source(body.definition(), body.format)
    except ConfigurationError as exc:
        return ValidationReport(valid=False, errors=list(exc.errors))
    config, errors = validate_definition(data)
    if config is None:
        return ValidationReport(valid=False, errors=errors)
    warnings: list[LintFinding] = []
    if body.lint:
        from pystator.lint import lint

        warnings = [
            LintFinding(code=w.code, severity=w.severity, path=w.path, message=w.message)
            for w in lint(config, guards=_BUILTINS.guards, actions=_BUILTINS.actions)
        ]
    return ValidationReport(valid=True, warnings=warnings)


def _inline_machine(machine: dict[str, Any]) -> StateMachine:
    key = json.dumps(machine, sort_keys=True, default=str)
    found = _inline.get(key)
    if found is not None:
        _inline.move_to_end(key)
        return found
    compiled: StateMachine = compile_definition(machine)
    _inline[key] = compiled
    if len(_inline) > _INLINE_CACHE_SIZE:
        _inline.popitem(last=False)
    return compiled


@router.post(
    "/process",
    response_model=ProcessResponse,
    summary="One stateless transition of an inline or stored machine (actions are planned, never run)",
    responses=error_responses(401, 404, 422),
)
async def process(body: ProcessBody, runtime: Rt, _: Caller) -> ProcessResponse:
    if body.machine is not None:
        machine = _inline_machine(body.machine)
    else:
        assert body.machine_id is not None
        machine = (await runtime.machine(body.machine_id)).machine
    state = body.current_state or machine.initial_state
    result = await machine.aprocess(state, body.trigger, dict(body.context))
    return process_response(result)
