"""``pystator ui serve|dev|build`` and the web UI address in ``pystator up``'s banner, run as real
processes of the installed ``pystator`` command."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from pystator_api.ui import UI_DIST

PYSTATOR = Path(sys.executable).with_name("pystator")


def _env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("PYSTATOR_") or k.startswith("PYSTATOR_TEST_")
    }
    return {**env, **extra}


def _run(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PYSTATOR), *args],
        check=False,
        cwd=cwd,
        env=env or _env(),
        capture_output=True,
        text=True,
        timeout=60,
    )


def _require_ui_build() -> None:
    if (UI_DIST / "index.html").is_file():
        return
    message = f"the web UI is not built in {UI_DIST} (python3 dev.py setup builds it)"
    if os.environ.get("CI"):
        pytest.fail(f"{message}; in CI this is a failure, not a skip")
    pytest.skip(message)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[object]:
    """Starts ``pystator ARGS --host 127.0.0.1 --port N`` and waits until /health answers."""
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
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                output = process.stdout.read() if process.stdout else ""
                raise AssertionError(f"the server exited with {process.returncode}: {output}")
            try:
                if httpx.get(f"{url}/health", timeout=1.0).status_code == 200:
                    return process, url
            except httpx.TransportError:
                pass
            time.sleep(0.1)  # polling a real process until it listens: no clock to inject here
        raise AssertionError("the server did not answer in time")

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


def _stop(process: subprocess.Popen[str]) -> str:
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=15)
    assert process.returncode == 0, output
    return output


def test_ui_help_lists_its_three_commands(tmp_path: Path) -> None:
    done = _run("ui", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    for command in ("serve", "dev", "build"):
        assert command in done.stdout


def test_ui_serve_answers_with_the_index_page(server: object) -> None:
    _require_ui_build()
    process, url = server("ui", "serve")  # type: ignore[operator]
    page = httpx.get(f"{url}/ui/")
    assert page.status_code == 200
    assert page.text == (UI_DIST / "index.html").read_text()
    assert httpx.get(f"{url}/ui/machines/anything").text == page.text  # the app's own addresses
    assert httpx.get(f"{url}/api/v1/machines").status_code == 200  # and the API beside it
    assert f"PyStator web UI on {url}/ui/" in _stop(process)


def test_up_banner_names_the_web_ui(server: object) -> None:
    _require_ui_build()
    process, url = server("up")  # type: ignore[operator]
    assert httpx.get(f"{url}/ui/").status_code == 200
    assert f"web UI: {url}/ui/" in _stop(process)


@pytest.mark.parametrize("command", ["build", "dev"])
def test_a_missing_source_folder_is_one_line_and_exit_1(tmp_path: Path, command: str) -> None:
    missing = tmp_path / "nowhere"
    done = _run("ui", command, "--source", str(missing), cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"pystator ui {command}: no UI source folder at {missing} (expected a package.json there)"
    ]
    assert done.stdout == ""


def test_no_source_found_from_the_working_directory(tmp_path: Path) -> None:
    done = _run("ui", "build", cwd=tmp_path)
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "pystator ui build: no ui/package.json in the current directory or its parents; pass --source DIR"
    ]


def _source(tmp_path: Path, build_script: str) -> Path:
    source = tmp_path / "ui"
    source.mkdir()
    (source / "package.json").write_text(
        json.dumps({"name": "x", "version": "1.0.0", "private": True, "scripts": {"build": build_script}})
    )
    lock = {"name": "x", "version": "1.0.0", "lockfileVersion": 3, "requires": True}
    (source / "package-lock.json").write_text(json.dumps({**lock, "packages": {"": {"name": "x"}}}))
    return source


def test_without_node_the_build_is_one_line_and_exit_1(tmp_path: Path) -> None:
    source = _source(tmp_path, "exit 0")
    empty = tmp_path / "bin"
    empty.mkdir()
    done = _run("ui", "build", "--source", str(source), cwd=tmp_path, env=_env(PATH=str(empty)))
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        "pystator ui build: node/npm not found: install Node.js 20 or newer (https://nodejs.org)"
    ]


def test_a_failing_build_exits_non_zero(tmp_path: Path) -> None:
    if shutil.which("npm") is None or shutil.which("node") is None:
        if os.environ.get("CI"):
            pytest.fail("node/npm are missing; in CI this is a failure, not a skip")
        pytest.skip("node/npm are not installed")
    # The script fails before writing anything (the real ui_dist is the output folder).
    source = _source(tmp_path, "node fail.js")
    (source / "fail.js").write_text("process.exit(3);\n")
    done = _run("ui", "build", "--source", str(source), cwd=tmp_path)
    assert done.returncode == 1
    assert " ci " in done.stdout.splitlines()[0]  # no node_modules yet: the packages are installed
    assert done.stderr.splitlines()[-1].startswith("pystator ui build: `npm run build -- --outDir ")
    assert done.stderr.splitlines()[-1].endswith("failed with exit code 3")
