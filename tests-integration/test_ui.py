"""The web UI: its own unit tests (vitest, through ``npm test``) and the end-to-end test in headless
chromium (``ui/e2e/run.mjs``, playwright-core driving Debian's chromium) against a real ``pystator
up`` started on a free port in a temporary directory. Screenshots of every page land in
``ui/test-results/``. Outside CI a missing node, build or chromium skips; in CI (``CI`` set) it fails."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UI = ROOT / "ui"
UI_DIST = ROOT / "packages" / "pystator-api" / "src" / "pystator_api" / "ui_dist"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def _require(condition: bool, message: str) -> None:
    if condition:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{message}; in CI this is a failure, not a skip")
    pytest.skip(message)


def _require_node_modules() -> str:
    npm = shutil.which("npm")
    _require(npm is not None, "npm is not installed")
    _require((UI / "node_modules").is_dir(), "ui/node_modules is missing: run `python3 dev.py ui-build`")
    assert npm is not None
    return npm


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_ui_unit_tests() -> None:
    npm = _require_node_modules()
    completed = subprocess.run(
        [npm, "test"], cwd=UI, capture_output=True, text=True, check=False, timeout=300
    )
    assert completed.returncode == 0, (completed.stdout + completed.stderr)[-4000:]
    assert "passed" in completed.stdout


@contextmanager
def _pystator_up(tmp_path: Path, **settings: str) -> Iterator[str]:
    """``pystator up`` on a free port with a fresh SQLite database in a temporary directory."""
    port = _free_port()
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYSTATOR_")}
    env["PYSTATOR_DATABASE_URL"] = f"sqlite:///{tmp_path / 'pystator.db'}"
    env.update(settings)
    log = (tmp_path / "server.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "pystator"), "up", "--host", "127.0.0.1", "--port", str(port)],
        cwd=tmp_path,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{base}/ui/", timeout=2) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError):
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                log.flush()
                pytest.fail(f"pystator up did not start:\n{(tmp_path / 'server.log').read_text()[-4000:]}")
            time.sleep(0.2)
        try:
            yield base
        except AssertionError as failure:
            log.flush()
            server_log = (tmp_path / "server.log").read_text()[-4000:]
            raise AssertionError(f"{failure}\n--- pystator up's log (end) ---\n{server_log}") from None
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()


SCREENSHOTS = UI / "test-results"


def _run_script(script: str, base: str, **env: str) -> str:
    """Run one e2e script with node; its output, after asserting that it passed."""
    _require_node_modules()
    _require((UI_DIST / "index.html").is_file(), "the UI is not built: run `python3 dev.py ui-build`")
    _require(Path(CHROMIUM).is_file(), f"chromium is not installed at {CHROMIUM}")
    node = shutil.which("node")
    assert node is not None
    completed = subprocess.run(
        [node, script],
        cwd=UI,
        env={
            **os.environ,
            "PYSTATOR_URL": base,
            "SCREENSHOTS": str(SCREENSHOTS),
            "CHROMIUM": CHROMIUM,
            **env,
        },
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output[-6000:]
    return completed.stdout


def test_ui_end_to_end_in_chromium(tmp_path: Path) -> None:
    for old in SCREENSHOTS.glob("0[1-9]-*.png"):
        old.unlink()
    with _pystator_up(tmp_path) as base:
        assert "[e2e] passed" in _run_script("e2e/run.mjs", base)
    names = sorted(p.name for p in SCREENSHOTS.glob("0[1-9]-*.png"))
    assert names == [
        "01-machines.png",
        "02-editor-error.png",
        "03-machine.png",
        "04-compatibility.png",
        "05-entity.png",
        "06-feed.png",
        "07-entities.png",
        "08-fleet.png",
        "09-dead-letters.png",
    ]


def test_ui_login_when_auth_is_on(tmp_path: Path) -> None:
    from pystator_api.passwords import hash_password

    password = "correct horse battery"
    settings = {
        "PYSTATOR_API_AUTH_SECRET": "e2e-secret-" + "x" * 32,
        "PYSTATOR_API_USERS": f"admin:{hash_password(password, iterations=1000)}",
    }
    with _pystator_up(tmp_path, **settings) as base:
        assert "[e2e] login passed" in _run_script("e2e/login.mjs", base, E2E_PASSWORD=password)
    assert (SCREENSHOTS / "10-login.png").is_file()
