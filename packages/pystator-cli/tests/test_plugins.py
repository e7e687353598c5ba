"""Commands contributed through the ``pystator.cli`` entry point group, seen by the real command:
a distribution installed on ``PYTHONPATH`` contributes a group, a single command, a broken module
and a known command (loaded only when it runs)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

Run = Callable[..., subprocess.CompletedProcess[str]]

PLUGINS = '''
import typer

app = typer.Typer(help="Greetings from a plugin.")


@app.command("hello")
def hello(name: str = "world") -> None:
    typer.echo(f"hello {name}")


@app.command("bye")
def bye() -> None:
    typer.echo("bye")


def single(count: int = 1) -> None:
    """A single contributed command."""
    typer.echo(f"single {count}")
'''

ENTRY_POINTS = """
[pystator.cli]
greet = fake_plugins:app
single = fake_plugins:single
broken = broken_plugin:app
ui = broken_plugin:app
up = fake_plugins:app
worker = fake_plugins:single
"""


@pytest.fixture
def plugin_path(tmp_path: Path) -> dict[str, str]:
    (tmp_path / "fake_plugins.py").write_text(PLUGINS)
    (tmp_path / "broken_plugin.py").write_text("import shiny_dependency_that_is_absent\n")
    info = tmp_path / "pystator_fake_plugins-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: pystator-fake-plugins\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(ENTRY_POINTS)
    return {"PYTHONPATH": str(tmp_path)}


def test_a_contributed_group_and_command(pystator: Run, plugin_path: dict[str, str]) -> None:
    hello = pystator("greet", "hello", "--name", "fsm", env=plugin_path)
    assert (hello.returncode, hello.stdout) == (0, "hello fsm\n")
    assert pystator("greet", "bye", env=plugin_path).stdout == "bye\n"
    single = pystator("single", "--count", "3", env=plugin_path)
    assert (single.returncode, single.stdout) == (0, "single 3\n")
    listing = pystator("--help", env=plugin_path).stdout
    assert "Greetings from a plugin." in listing
    assert "A single contributed command." in listing


def test_a_broken_plugin_is_one_line_and_harms_nothing_else(
    pystator: Run, plugin_path: dict[str, str], machines: Path, one_line: Callable[[str], str]
) -> None:
    done = pystator("broken", "anything", "--flag", env=plugin_path)
    assert done.returncode == 2
    line = one_line(done.stderr)
    assert line.startswith("pystator broken: cannot load it from broken_plugin:app (ModuleNotFoundError: ")
    assert "shiny_dependency_that_is_absent" in line
    assert pystator("machines", "validate", machines / "order.yaml", env=plugin_path).returncode == 0


def test_known_commands_load_only_when_run(
    pystator: Run, plugin_path: dict[str, str], one_line: Callable[[str], str]
) -> None:
    listing = pystator("--help", env=plugin_path)
    assert listing.returncode == 0
    assert "Serve, develop or build the web UI." in listing.stdout
    done = pystator("ui", "serve", env=plugin_path)
    assert done.returncode == 2
    assert one_line(done.stderr).startswith("pystator ui: cannot load it from broken_plugin:app")


def test_known_commands_run_through_their_stand_in(pystator: Run, plugin_path: dict[str, str]) -> None:
    group = pystator("up", "hello", "--name", "lazy", env=plugin_path)
    assert (group.returncode, group.stdout) == (0, "hello lazy\n")
    single = pystator("worker", "--count", "2", env=plugin_path)
    assert (single.returncode, single.stdout) == (0, "single 2\n")
    usage = pystator("worker", "--nope", env=plugin_path)
    assert usage.returncode == 2
    assert "No such option: --nope" in usage.stderr
