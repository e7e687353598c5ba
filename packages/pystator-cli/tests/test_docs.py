"""``pystator docs build|serve``: MkDocs through the real command, on a small site of its own."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]


@pytest.fixture
def site(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "index.md").write_text("# Hello from the CLI test\n")
    config = tmp_path / "mkdocs.yml"
    config.write_text("site_name: CLI test\ndocs_dir: docs\n")
    return config


def test_build_finds_mkdocs_yml_upwards(pystator: Run, site: Path, tmp_path: Path) -> None:
    out = tmp_path / "built"
    done = pystator("docs", "build", "--site-dir", out, cwd=site.parent / "docs")
    assert done.returncode == 0, done.stderr
    assert "Hello from the CLI test" in (out / "index.html").read_text()


def test_build_with_an_explicit_config(pystator: Run, site: Path, tmp_path: Path) -> None:
    done = pystator("docs", "build", "-f", site, cwd=tmp_path.parent)
    assert done.returncode == 0, done.stderr
    assert (site.parent / "site" / "index.html").exists()


def test_a_failing_build_exits_1(pystator: Run, site: Path) -> None:
    site.write_text("site_name: CLI test\ndocs_dir: missing_folder\n")
    done = pystator("docs", "build", "-f", site)
    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == "pystator docs build: mkdocs build failed (exit 1)"


def test_no_config_is_a_usage_error(pystator: Run, tmp_path: Path, one_line: Callable[[str], str]) -> None:
    done = pystator("docs", "build", cwd=tmp_path)
    assert done.returncode == 2
    assert one_line(done.stderr) == (
        "pystator docs build: no mkdocs.yml here or in any parent folder; pass --config-file"
    )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def test_serve_answers_on_its_port(pystator_path: str, site: Path) -> None:
    port = _free_port()
    server = subprocess.Popen(
        [pystator_path, "docs", "serve", "-f", str(site), "-a", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 45
        body = ""
        while time.monotonic() < deadline and not body:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as response:
                    body = response.read().decode()
            except OSError:
                assert server.poll() is None, "docs serve exited early"
                time.sleep(0.2)
        assert "Hello from the CLI test" in body
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
