"""``pystator up`` and ``pystator api`` as real processes: they answer on their port, in a temporary
working directory holding the embedded SQLite database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

PYSTATOR = Path(sys.executable).with_name("pystator")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _env() -> dict[str, str]:
    return {
        k: v for k, v in os.environ.items() if not k.startswith("PYSTATOR_") or k.startswith("PYSTATOR_TEST_")
    }


def _wait_until_up(process: subprocess.Popen[str], url: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read() if process.stdout else ""
            raise AssertionError(f"the server exited with {process.returncode}: {output}")
        try:
            if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)  # polling a real process until it listens: no clock to inject here
    raise AssertionError("the server did not answer in time")


@pytest.fixture
def serve(tmp_path: Path) -> Iterator[object]:
    started: list[subprocess.Popen[str]] = []

    def start(*args: str) -> tuple[subprocess.Popen[str], str]:
        port = _free_port()
        process = subprocess.Popen(
            [str(PYSTATOR), *args, "--host", "127.0.0.1", "--port", str(port)],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        url = f"http://127.0.0.1:{port}"
        _wait_until_up(process, url)
        return process, url

    yield start
    for process in started:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdout:
            process.stdout.close()


def test_up_runs_the_whole_stack(serve: object, tmp_path: Path) -> None:
    process, url = serve("up")  # type: ignore[operator]
    machines = {m["machine_id"] for m in httpx.get(f"{url}/api/v1/machines").json()}
    assert {"approval", "order_management", "traffic_light"} <= machines
    assert (tmp_path / "pystator.db").is_file()
    created = httpx.post(f"{url}/api/v1/entities/doc-1/create", json={"machine_id": "approval"})
    assert created.status_code == 201
    queued = httpx.post(f"{url}/api/v1/entities/doc-1/apply-data", json={"data": {"title": "Q3"}})
    assert queued.status_code == 202
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:  # the in-process worker applies it
        state = httpx.get(f"{url}/api/v1/entities/doc-1/state").json()
        if state["context"].get("title") == "Q3":
            break
        time.sleep(0.1)
    else:
        event_id = queued.json()["event_id"]
        raise AssertionError(f"not applied: {httpx.get(f'{url}/api/v1/worker/events/{event_id}').json()}")
    settings = httpx.get(f"{url}/api/v1/settings").json()
    assert settings["timers"] == "AsyncioScheduler"
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0
    assert f"PyStator is up: {url}" in output


def test_up_with_a_machines_directory(serve: object, tmp_path: Path) -> None:
    machines = tmp_path / "machines"
    machines.mkdir()
    (machines / "door.yaml").write_text(
        "meta: {machine_name: door}\nstates:\n  - {name: closed, type: initial}\n  - {name: open}\n"
        "transitions:\n  - {trigger: push, source: closed, dest: open}\n"
    )
    _process, url = serve("up", "--machines", str(machines))  # type: ignore[operator]
    assert [m["machine_id"] for m in httpx.get(f"{url}/api/v1/machines").json()] == ["door"]


def test_api_command(serve: object) -> None:
    _process, url = serve("api")  # type: ignore[operator]
    assert httpx.get(f"{url}/ready").json()["status"] == "ready"
    assert httpx.get(f"{url}/openapi.json").json()["info"]["title"] == "PyStator API"
