"""``GET /api/v1/settings``: the runtime settings of this server, secrets hidden."""

from __future__ import annotations

from fastapi import APIRouter

from pystator_api._version import __version__
from pystator_api.deps import Caller, Rt
from pystator_api.errors import error_responses
from pystator_api.models import SettingsOverview
from pystator_stores.urls import parse_store_url

__all__ = ["redact_url", "router"]

router = APIRouter(prefix="/api/v1/settings", tags=["settings"])


def redact_url(url: str) -> str:
    """The URL with the password of its user info replaced by ``***``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest.split("/", 1)[0]:
        return url
    userinfo, _, host = rest.partition("@")
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}" if ":" in userinfo else url


@router.get(
    "",
    response_model=SettingsOverview,
    summary="Runtime settings overview",
    responses=error_responses(401),
)
async def overview(runtime: Rt, _: Caller) -> SettingsOverview:
    s = runtime.settings
    return SettingsOverview(
        version=__version__,
        database_backend=parse_store_url(s.database.url).backend,
        database_url=redact_url(s.database.url),
        redis_configured=s.redis.url is not None,
        scheduler_backend=s.scheduler.backend,
        timers=type(runtime.scheduler).__name__ if runtime.scheduler is not None else "none",
        auth_enabled=runtime.auth.enabled,
        login_enabled=runtime.auth.login_enabled,
        api_keys=len(s.api.keys),
        users=len(s.api.users),
        max_body_bytes=s.api.max_body_bytes,
        cors_origins=list(s.api.cors_origins),
        features={
            "inline_code_actions": s.features.inline_code_actions,
            "http_actions": s.features.http_actions,
        },
        worker=s.worker.model_dump(mode="json"),
    )
