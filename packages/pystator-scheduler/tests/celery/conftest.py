"""A real ``celery worker`` process against the local Redis, shared by the Celery tests.

Everything it creates (broker keys, timer records) lives under one random key prefix, deleted at
the end, so parallel runs on the same Redis never interfere. Each test takes its own timer prefix
from a pool the worker knows.
"""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import pytest
import redis

HERE = Path(__file__).resolve().parent
POOL_SIZE = 60
UNIT_MS = 250


def load_factory() -> ModuleType:
    spec = importlib.util.spec_from_file_location("celery_app_factory", HERE / "celery_app_factory.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["celery_app_factory"] = module
    spec.loader.exec_module(module)
    return module


@dataclass
class CeleryWorker:
    factory: ModuleType
    settings: object
    app: object
    prefixes: list[str]
    logs: Path
    used: int = field(default=0)

    def next_prefix(self) -> str:
        if self.used >= len(self.prefixes):
            raise RuntimeError("the Celery test prefix pool is exhausted: raise POOL_SIZE")
        prefix = self.prefixes[self.used]
        self.used += 1
        return prefix


def _stop(worker: subprocess.Popen[bytes]) -> None:
    # Cold shutdown: a warm one can wait on billiard's pool children for half a minute.
    worker.send_signal(signal.SIGQUIT)
    try:
        worker.wait(timeout=15)
    except subprocess.TimeoutExpired:
        worker.kill()
        worker.wait()


@pytest.fixture(scope="session")
def celery_worker(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[CeleryWorker]:
    """Two workers on one queue: a prefork pool (processes) and a thread pool, so that every
    timer message may land on either kind, and duplicates across workers would show."""
    factory = load_factory()
    root = f"pystator-test:celery:{uuid.uuid4().hex[:12]}:"
    settings = factory.Settings(
        redis_url=redis_url,
        root=root,
        queue=f"pystator-test-timers-{uuid.uuid4().hex[:8]}",
        visibility_timeout_s=3.0,
        max_countdown_s=0.5,
        unit_ms=UNIT_MS,
    )
    prefixes = [f"{root}t{i}:" for i in range(POOL_SIZE)]
    logs = tmp_path_factory.mktemp("celery")
    env = {
        **os.environ,
        **settings.to_env(),
        "PYSTATOR_CELERY_TEST_PREFIXES": ",".join(prefixes),
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    client = redis.Redis.from_url(redis_url)
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for pool in ("prefork", "threads"):
            command = [
                sys.executable, "-m", "celery", "-A", "celery_timer_app", "worker", "-Q", settings.queue,
                f"--pool={pool}", "--concurrency=2", "--without-gossip", "--without-mingle",
                "--without-heartbeat", "--loglevel=INFO", f"--hostname={pool}@%h",
            ]  # fmt: skip
            with (logs / f"{pool}.log").open("wb") as out:
                workers.append(
                    subprocess.Popen(command, cwd=HERE, env=env, stdout=out, stderr=subprocess.STDOUT)
                )
        deadline = time.monotonic() + 60
        while client.llen(root + "worker-ready") < len(workers):
            if any(w.poll() is not None for w in workers) or time.monotonic() > deadline:
                text = "\n".join(log.read_text() for log in logs.iterdir())
                pytest.fail(f"the Celery workers did not start; their logs:\n{text}")
            time.sleep(0.05)
        yield CeleryWorker(factory, settings, factory.make_app(settings), prefixes, logs)
    finally:
        for worker in workers:
            _stop(worker)
        keys = list(client.scan_iter(match=root + "*", count=1000))
        if keys:
            client.delete(*keys)
        client.close()
