"""The module a test Celery worker imports (``celery -A celery_timer_app worker``).

It builds the app and one ``CeleryScheduler`` per test prefix from the settings the test passes in
the environment, reports readiness in Redis, and shuts down if the test process disappears.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import redis
from celery.signals import worker_ready
from celery_app_factory import Settings, make_app, worker_schedulers

settings = Settings.from_env(os.environ["PYSTATOR_CELERY_TEST_SETTINGS"])
app = make_app(settings)
schedulers = worker_schedulers(app, settings, os.environ["PYSTATOR_CELERY_TEST_PREFIXES"].split(","))


_TEST_PROCESS = os.getppid()


def _exit_with_the_test_process() -> None:
    # A killed test run must not leave workers behind: shut down cold once the parent is gone.
    while os.getppid() == _TEST_PROCESS:
        time.sleep(1)
    os.kill(os.getpid(), signal.SIGQUIT)


threading.Thread(target=_exit_with_the_test_process, daemon=True).start()


@worker_ready.connect
def _announce(**_: object) -> None:
    client = redis.Redis.from_url(settings.redis_url)
    client.rpush(settings.root + "worker-ready", "1")
    client.close()
