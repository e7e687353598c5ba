"""``pystator machines list|push|pull`` against a real API server (``pystator api`` on a free port,
on its embedded SQLite database), and the one-line answer when no API is reachable."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def api_url(pystator_path: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("api")
    port = _free_port()
    env = {**os.environ, "PYSTATOR_DATABASE_URL": f"sqlite:///{folder / 'api.db'}"}
    server = subprocess.Popen(
        [pystator_path, "api", "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if server.poll() is not None:
                message = server.stderr.read() if server.stderr else ""
                if server.returncode == 2 and ("does not provide" in message or "not installed" in message):
                    pytest.skip(f"no `pystator api` here: {message.strip()}")
                pytest.fail(f"pystator api exited with {server.returncode}: {message}")
            try:
                with urllib.request.urlopen(f"{url}/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline, "pystator api did not answer within 60 s"
                time.sleep(0.2)
        yield url
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)


def test_push_creates_then_adds_versions(pystator: Run, machines: Path, api_url: str, tmp_path: Path) -> None:
    file = tmp_path / "order.yaml"
    file.write_text((machines / "order.yaml").read_text().replace("order_management", "cli_push_order"))
    first = pystator("machines", "push", file, "--api-url", api_url, "--json")
    assert first.returncode == 0, first.stderr
    [created] = json.loads(first.stdout)
    assert created["ok"] is True
    assert (created["machine_id"], created["version"], created["created"]) == ("cli_push_order", 1, True)

    second = pystator("machines", "push", file, "--api-url", api_url, "--description", "again")
    assert second.returncode == 0, second.stderr
    assert f"{file}: updated cli_push_order version 2" in second.stderr

    listed = pystator("machines", "list", "--api-url", api_url, "--json")
    assert listed.returncode == 0
    entry = next(m for m in json.loads(listed.stdout) if m["machine_id"] == "cli_push_order")
    assert entry["version"] == 2
    assert entry["initial_state"] == "pending"

    table = pystator("machines", "list", "--api-url", api_url)
    row = next(line for line in table.stdout.splitlines() if line.startswith("cli_push_order"))
    assert row.split()[:3] == ["cli_push_order", "2", "pending"]


def test_pull_returns_the_pushed_source(pystator: Run, machines: Path, api_url: str, tmp_path: Path) -> None:
    source = (
        (machines / "guarded.yaml").read_text().replace("machine_name: guarded", "machine_name: cli_pull")
    )
    file = tmp_path / "guarded.yaml"
    file.write_text(source)
    done = pystator("machines", "push", file, "--id", "cli_pull", "--api-url", api_url)
    assert done.returncode == 0, done.stderr
    pulled = pystator("machines", "pull", "cli_pull", "--api-url", api_url)
    assert pulled.returncode == 0
    assert pulled.stdout == source
    out = tmp_path / "pulled.yaml"
    to_file = pystator("machines", "pull", "cli_pull", "--version", "1", "-o", out, "--api-url", api_url)
    assert to_file.returncode == 0
    assert out.read_text() == source
    record = json.loads(pystator("machines", "pull", "cli_pull", "--json", "--api-url", api_url).stdout)
    assert (record["machine_id"], record["version"], record["format"]) == ("cli_pull", 1, "yaml")


def test_invalid_files_are_not_sent(pystator: Run, machines: Path, api_url: str) -> None:
    done = pystator(
        "machines", "push", machines / "unknown_dest.yaml", machines / "order.json", "--api-url", api_url
    )
    assert done.returncode == 1
    assert f"{machines / 'unknown_dest.yaml'}:11: transitions[0].dest: " in done.stderr
    assert f"{machines / 'order.json'}:9: transitions[1].source: " in done.stderr
    listed = json.loads(pystator("machines", "list", "--api-url", api_url, "--json").stdout)
    assert not {"unknown_dest", "order_json"} & {m["machine_id"] for m in listed}


def test_pull_of_an_unknown_machine(pystator: Run, api_url: str, one_line: Callable[[str], str]) -> None:
    done = pystator("machines", "pull", "no_such_machine", "--api-url", api_url)
    assert done.returncode == 1
    assert one_line(done.stderr).startswith("pystator machines pull: HTTP 404: ")


def test_no_api_is_one_line(pystator: Run, one_line: Callable[[str], str]) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    done = pystator("machines", "list", "--api-url", url)
    assert done.returncode == 1
    line = one_line(done.stderr)
    assert line.startswith(f"pystator machines list: cannot reach the API at {url}: ")
    assert line.endswith("(is it running? start it with `pystator api`)")


def test_push_to_no_api(pystator: Run, machines: Path) -> None:
    url = f"http://127.0.0.1:{_free_port()}"
    done = pystator("machines", "push", machines / "order.yaml", "--api-url", url)
    assert done.returncode == 1
    assert f"cannot reach the API at {url}" in done.stderr
    assert "Traceback" not in done.stderr


def test_id_with_several_files_is_a_usage_error(
    pystator: Run, machines: Path, one_line: Callable[[str], str]
) -> None:
    done = pystator("machines", "push", machines / "order.yaml", machines / "guarded.yaml", "--id", "x")
    assert done.returncode == 2
    assert one_line(done.stderr) == "pystator machines push: --id applies to a single file"
