"""Stored machine definitions with versions: ``/api/v1/machines``."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response

from pystator.errors import ConfigurationError
from pystator.machine import StateMachine
from pystator.stores.machines import MACHINE_ID_PATTERN, MachineVersion
from pystator_api.compatibility import compare
from pystator_api.definitions import Definition, compile_definition, parse_definition
from pystator_api.deps import Caller, Rt
from pystator_api.errors import ApiError, error_responses
from pystator_api.models import (
    CompatibilityReport,
    DefinitionBody,
    MachineCreate,
    MachineOut,
    MachineSummary,
    MachineUpdate,
)
from pystator_contracts.codes import ErrorCode

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/machines", tags=["machines"])

MachineIdPath = Annotated[str, Path(pattern=MACHINE_ID_PATTERN, max_length=128)]
_ERRORS = error_responses(401, 404, 409, 422)


def _summary_fields(stored: MachineVersion, machine: StateMachine) -> dict[str, object]:
    return {
        "machine_id": stored.machine_id,
        "version": stored.version,
        "description": stored.description,
        "created_at": stored.created_at,
        "initial_state": machine.initial_state,
        "states": machine.state_names,
        "triggers": machine.triggers,
    }


async def _out(runtime: Rt, stored: MachineVersion, machine: StateMachine) -> MachineOut:
    return MachineOut(
        **_summary_fields(stored, machine),
        versions=await runtime.machines.aversions(stored.machine_id),
        format=stored.format,
        source=stored.source,
        config=dict(stored.config),
    )


def _parse(body: DefinitionBody, machine_id: str | None) -> tuple[str, Definition]:
    try:
        definition = parse_definition(body.definition(), body.format, machine_id=machine_id)
        compile_definition(definition.config_json())  # refuse what would be stored but not run
    except ConfigurationError as exc:
        raise ApiError(
            422,
            ErrorCode.CONFIG,
            "invalid machine definition",
            path="source" if body.source else "machine",
            errors=exc.errors,
        ) from None
    return definition.config.meta.machine_name or "", definition


@router.get(
    "",
    response_model=list[MachineSummary],
    summary="Every stored machine (latest versions)",
    responses=error_responses(401),
)
async def list_machines(runtime: Rt, _: Caller) -> list[MachineSummary]:
    out = []
    for stored in await runtime.machines.alist_machines():
        try:
            loaded = runtime.loaded(stored)
        except ConfigurationError as exc:
            # Listed anyway: one stored version this release refuses must not hide the others.
            out.append(_unloadable_summary(stored, exc))
            continue
        out.append(MachineSummary(**_summary_fields(stored, loaded.machine)))
    return out


def _unloadable_summary(stored: MachineVersion, error: ConfigurationError) -> MachineSummary:
    problems = "; ".join(error.errors[:3])
    return MachineSummary(
        machine_id=stored.machine_id,
        version=stored.version,
        description=stored.description,
        created_at=stored.created_at,
        initial_state="",
        states=[],
        triggers=[],
        error=f"the stored configuration cannot be loaded: {problems}",
    )


@router.post(
    "",
    response_model=MachineOut,
    status_code=201,
    summary="Store a new machine (version 1)",
    responses=_ERRORS,
)
async def create_machine(body: MachineCreate, runtime: Rt, _: Caller) -> MachineOut:
    machine_id = body.machine_id
    if machine_id is None:
        name, _definition = _parse(body, None)
        if not name:
            raise ApiError(
                422,
                ErrorCode.VALIDATION_FAILED,
                "machine_id: required when meta.machine_name is not set",
                path="machine_id",
            )
        machine_id = name
    _name, definition = _parse(body, machine_id)
    try:
        from pystator.stores.machines import check_machine_id

        check_machine_id(machine_id)
    except ValueError as exc:
        raise ApiError(422, ErrorCode.VALIDATION_FAILED, str(exc), path="machine_id") from None
    stored = await runtime.machines.asave_machine(
        machine_id,
        source=definition.source,
        format=definition.format,
        config=definition.config_json(),
        expected_version=0,
        description=body.description,
    )
    loaded = await runtime.machine(machine_id, stored.version)
    return await _out(runtime, stored, loaded.machine)


@router.get(
    "/{machine_id}",
    response_model=MachineOut,
    summary="A stored machine (latest or a given version)",
    responses=_ERRORS,
)
async def get_machine(
    machine_id: MachineIdPath,
    runtime: Rt,
    _: Caller,
    version: Annotated[
        int | None, Query(ge=1, le=2**31 - 1, description="A version; the latest when omitted")
    ] = None,
) -> MachineOut:
    loaded = await runtime.machine(machine_id, version)
    return await _out(runtime, loaded.stored, loaded.machine)


@router.put(
    "/{machine_id}", response_model=MachineOut, summary="Save a new version of a machine", responses=_ERRORS
)
async def update_machine(
    machine_id: MachineIdPath, body: MachineUpdate, runtime: Rt, _: Caller
) -> MachineOut:
    current = await runtime.machines.aget_machine(machine_id)
    if current is None:
        raise ApiError(404, ErrorCode.NOT_FOUND, f"machine {machine_id!r} not found")
    _name, definition = _parse(body, machine_id)
    stored = await runtime.machines.asave_machine(
        machine_id,
        source=definition.source,
        format=definition.format,
        config=definition.config_json(),
        expected_version=body.expected_version if body.expected_version is not None else current.version,
        description=body.description or current.description,
    )
    loaded = await runtime.machine(machine_id, stored.version)
    return await _out(runtime, stored, loaded.machine)


@router.delete(
    "/{machine_id}", status_code=204, summary="Delete a machine and all its versions", responses=_ERRORS
)
async def delete_machine(machine_id: MachineIdPath, runtime: Rt, _: Caller) -> Response:
    if not await runtime.machines.adelete_machine(machine_id):
        raise ApiError(404, ErrorCode.NOT_FOUND, f"machine {machine_id!r} not found")
    return Response(status_code=204)


@router.post(
    "/{machine_id}/compatibility",
    response_model=CompatibilityReport,
    summary="What a new version would remove or change, and how many stored entities it strands",
    responses=_ERRORS,
)
async def compatibility(
    machine_id: MachineIdPath, body: DefinitionBody, runtime: Rt, _: Caller
) -> CompatibilityReport:
    current = await runtime.machine(machine_id)
    _name, definition = _parse(body, machine_id)
    proposed = compile_definition(definition.config_json())
    counts = await runtime.store.acount_by_state(machine_id)
    return compare(machine_id, current.stored.version, current.machine, proposed, counts)
