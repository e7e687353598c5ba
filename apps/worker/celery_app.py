"""The Celery app of the ``celery`` profile: fires delayed transitions and state timeouts.

Run by ``celery -A celery_app worker --queues pystator-timers`` in the worker image. It reads the
same settings as every PyStator process (``pystator.cfg`` and ``PYSTATOR_*`` variables): the broker
and the timer records live at ``[redis] url``, the entities in the store at ``[database] url``. It
builds one ``Orchestrator`` per machine file in ``MACHINES_DIR`` (``/app/machines`` in the image),
which registers the callback that applies that machine's fired timers.
"""

from __future__ import annotations

import os
from pathlib import Path

from celery import Celery

from pystator import Orchestrator, StateMachine
from pystator_contracts.settings import Settings
from pystator_scheduler.celery import DEFAULT_QUEUE, CeleryScheduler
from pystator_stores import open_store

__all__ = ["app", "orchestrators", "scheduler"]

MACHINE_SUFFIXES = (".yaml", ".yml", ".json")

settings = Settings.load()
if settings.redis.url is None:
    raise SystemExit("celery_app: the Celery worker needs Redis: set PYSTATOR_REDIS_URL or [redis] url")

app = Celery("pystator", broker=settings.redis.url)
app.conf.task_default_queue = DEFAULT_QUEUE
scheduler = CeleryScheduler(app, redis_url=settings.redis.url)
store = open_store(settings.database.url)

machines_dir = Path(os.environ.get("MACHINES_DIR", "/app/machines"))
machine_files = sorted(p for p in machines_dir.iterdir() if p.suffix in MACHINE_SUFFIXES)
if not machine_files:
    raise SystemExit(f"celery_app: no machine file (*.yaml, *.yml, *.json) in {machines_dir}")

orchestrators: dict[str, Orchestrator] = {}
for path in machine_files:
    machine = StateMachine.from_json(path) if path.suffix == ".json" else StateMachine.from_yaml(path)
    orchestrators[str(machine.meta["machine_name"])] = Orchestrator(machine, store, scheduler=scheduler)
