"""Schedulers for delayed transitions: ``AsyncioScheduler`` here; Redis and Celery forwarded lazily."""

from __future__ import annotations

from pystator._forward import ForwardedName, forwarding_getattr

_FORWARDED = {
    "RedisScheduler": ForwardedName(
        "pystator_scheduler.redis", "pystator-scheduler", "'pystator-scheduler[redis]'"
    ),
    "CeleryScheduler": ForwardedName(
        "pystator_scheduler.celery", "pystator-scheduler", "'pystator-scheduler[celery]'"
    ),
}

__getattr__ = forwarding_getattr(__name__, _FORWARDED, globals())

__all__: list[str] = []
