"""Starter templates: ``GET /api/v1/templates`` and ``GET /api/v1/templates/{name}``."""

from __future__ import annotations

from functools import cache
from typing import Annotated

from fastapi import APIRouter, Path

from pystator_api.definitions import parse_definition
from pystator_api.deps import Caller
from pystator_api.errors import ApiError, error_responses
from pystator_api.models import TemplateOut
from pystator_api.templates import load_templates
from pystator_contracts.codes import ErrorCode

__all__ = ["router"]

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


@cache
def _templates() -> dict[str, TemplateOut]:
    out = {}
    for template in load_templates():
        definition = parse_definition(template.source, "yaml")
        meta = definition.config.meta
        out[template.name] = TemplateOut(
            name=template.name,
            description=meta.description or "",
            machine_name=meta.machine_name or template.name,
            format="yaml",
            source=template.source,
        )
    return out


@router.get(
    "",
    response_model=list[TemplateOut],
    summary="Starter machine definitions",
    responses=error_responses(401),
)
async def list_templates(_: Caller) -> list[TemplateOut]:
    return list(_templates().values())


@router.get(
    "/{name}",
    response_model=TemplateOut,
    summary="One starter definition",
    responses=error_responses(401, 404, 422),
)
async def get_template(name: Annotated[str, Path(max_length=100)], _: Caller) -> TemplateOut:
    found = _templates().get(name)
    if found is None:
        raise ApiError(
            404, ErrorCode.NOT_FOUND, f"template {name!r} not found; known: {', '.join(_templates())}"
        )
    return found
