"""docker-compose.yml and apps/ agree with the real commands, settings and files.

Docker does not run here, so the compose file is checked statically: every service's command (and
health check, and each Dockerfile's CMD) is parsed by the real command-line parser of the console
script it names (``pystator`` with the subcommands the installed distributions contribute,
``celery``), every ``PYSTATOR_*`` variable is loaded by ``Settings`` with unknown variables turned
into errors, every example settings file is loaded the same way, and every Dockerfile and every path
a Dockerfile copies exists.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shlex
import sys
import warnings
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
import typer
from ruamel.yaml import YAML

from pystator_contracts.settings import Settings, SettingsWarning

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "docker-compose.yml"
INTERPOLATION = re.compile(r"\$\{(?P<name>[A-Z_][A-Z0-9_]*)(?::-(?P<default>[^}]*))?\}")
# Variables a service sets that are not PyStator settings, and who reads them.
OTHER_VARIABLES = {
    "POSTGRES_USER": "the postgres image",
    "POSTGRES_PASSWORD": "the postgres image",
    "POSTGRES_DB": "the postgres image",
    "MACHINES_DIR": "apps/worker/celery_app.py",
}


def interpolate(value: str) -> str:
    """Compose's ``${NAME:-default}`` with nothing set in the environment: the default."""

    def replace(match: re.Match[str]) -> str:
        assert match["default"] is not None, f"{value}: a variable without a default"
        return match["default"]

    return INTERPOLATION.sub(replace, value)


@cache
def compose() -> dict[str, Any]:
    loaded = YAML(typ="safe").load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def services() -> dict[str, dict[str, Any]]:
    found = compose()["services"]
    assert isinstance(found, dict)
    return found


def environment(service: Mapping[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    assert isinstance(env, dict), "environment: use the mapping form"
    return {str(k): interpolate(str(v)) for k, v in env.items()}


# --------------------------------------------------------------------------- commands


@cache
def pystator_command() -> Any:
    """The ``pystator`` console script's command tree, with every installed plugin."""
    (script,) = metadata.entry_points(group="console_scripts", name="pystator")
    assert script.value == "pystator_cli.main:run"
    from pystator_cli.main import app
    from pystator_cli.plugins import build_command

    return build_command(app)


def celery_command() -> click.Command:
    (script,) = metadata.entry_points(group="console_scripts", name="celery")
    from celery.bin.celery import celery

    assert script.value == "celery.__main__:main"
    return celery


def contributed_pystator_commands() -> set[str]:
    return {entry.name for entry in metadata.entry_points(group="pystator.cli")} | {"versions"}


# Typer vendors its own copy of click: its parser raises that copy's UsageError.
TYPER_USAGE_ERROR = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")
USAGE_ERRORS = (click.UsageError, TYPER_USAGE_ERROR)


def resolve(command: Any, args: list[str], path: list[str], obj: object = None) -> list[str]:
    """Parse ``args`` as the console script would; return the command path, or raise a UsageError.

    Only the parser runs (with option callbacks), never the command itself.
    """
    context = command.make_context(path[-1], list(args), obj=obj)
    command = context.command  # a lazily loaded subcommand: the real one
    if hasattr(command, "resolve_command"):
        rest = [*context._protected_args, *context.args]
        if rest:
            name, sub, sub_args = command.resolve_command(context, rest)
            return resolve(sub, sub_args, [*path, name], obj)
        assert command.invoke_without_command, f"{' '.join(path)}: a subcommand is required"
    return path


def check_command(argv: list[str]) -> list[str]:
    program, *args = argv
    if program == "pystator":
        if args and args[0] not in contributed_pystator_commands():
            pytest.skip(
                f"`pystator {args[0]}` is not contributed by the installed distributions yet "
                "(it lands with its branch); its entry point group is pystator.cli"
            )
        return resolve(pystator_command(), args, ["pystator"])
    if program == "celery":
        from celery import Celery

        # celery's option callbacks read defaults from the app: a bare app serves for parsing.
        return resolve(celery_command(), args, ["celery"], SimpleNamespace(app=Celery()))
    raise AssertionError(f"{argv}: not a console script of the stack")


def service_commands() -> Iterator[tuple[str, list[str]]]:
    for name, service in services().items():
        if "command" in service and "image" not in service:
            command = service["command"]
            assert isinstance(command, list), f"{name}: give the command in exec (list) form"
            yield f"{name}.command", [str(word) for word in command]
        test = service.get("healthcheck", {}).get("test")
        if test and test[0] == "CMD" and test[1] in {"pystator", "celery"}:
            yield f"{name}.healthcheck", [str(word) for word in test[1:]]
        if test and test[0] == "CMD-SHELL" and test[1].split()[0] in {"pystator", "celery"}:
            yield f"{name}.healthcheck", shlex.split(test[1].split("|")[0])


COMMANDS = list(service_commands())


@pytest.mark.parametrize(("where", "argv"), COMMANDS, ids=[where for where, _ in COMMANDS])
def test_service_command_is_a_real_command(where: str, argv: list[str]) -> None:
    path = check_command(argv)
    assert path[0] == argv[0] and len(path) >= 2, f"{where}: {argv} names no subcommand"


def test_an_unknown_option_or_subcommand_is_refused() -> None:
    with pytest.raises(USAGE_ERRORS):
        check_command(["celery", "-A", "celery_app", "wroker"])
    with pytest.raises(USAGE_ERRORS):
        check_command(["celery", "-A", "celery_app", "worker", "--queuez", "x"])
    with pytest.raises(USAGE_ERRORS):
        check_command(["pystator", "versions", "--jsn"])
    assert check_command(["pystator", "versions", "--json"]) == ["pystator", "versions"]


def test_the_celery_app_path_resolves_to_a_celery_app(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    celery = services()["celery"]
    argv = [str(word) for word in celery["command"]]
    module_name = argv[argv.index("-A") + 1]
    assert celery["working_dir"] == "/app"
    source = ROOT / "apps" / "worker" / f"{module_name}.py"
    assert f"COPY apps/worker/{module_name}.py /app/{module_name}.py" in dockerfile_lines(
        ROOT / "apps" / "worker" / "Dockerfile"
    )
    env = environment(celery)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    # The compose hosts do not resolve here: point the same variables at the local servers.
    monkeypatch.setenv("PYSTATOR_REDIS_URL", redis_url)
    monkeypatch.setenv("PYSTATOR_DATABASE_URL", f"sqlite:///{tmp_path / 'celery.db'}")
    monkeypatch.setenv("MACHINES_DIR", str(ROOT / "examples"))
    monkeypatch.chdir(tmp_path)
    spec = importlib.util.spec_from_file_location(module_name, source)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, module_name, module)
    with warnings.catch_warnings():
        warnings.simplefilter("error", SettingsWarning)
        spec.loader.exec_module(module)
    from celery import Celery

    assert isinstance(module.app, Celery)
    assert "pystator_scheduler.fire_timer" in module.app.tasks
    assert sorted(module.orchestrators) == [
        "day_trading",
        "order_management",
        "payment_reminders",
        "portfolio_optimization",
    ]
    queue = argv[argv.index("--queues") + 1]
    assert queue == module.scheduler.queue


# --------------------------------------------------------------------------- settings


def load_settings(env: Mapping[str, str], cwd: Path, config_file: Path | None = None) -> Settings:
    with warnings.catch_warnings():
        warnings.simplefilter("error", SettingsWarning)
        return Settings.load(env=dict(env), config_file=config_file, cwd=cwd)


@pytest.mark.parametrize("name", sorted(services()), ids=str)
def test_service_environment_is_known_to_settings(name: str, tmp_path: Path) -> None:
    env = environment(services()[name])
    for key in env:
        assert key.startswith("PYSTATOR_") or key in OTHER_VARIABLES, f"{name}: who reads {key}?"
    settings = load_settings(env, tmp_path)
    if any(key.startswith("PYSTATOR_") for key in env):
        assert settings.database.url == "postgresql://pystator:pystator@postgres:5432/pystator"
        assert settings.redis.url == "redis://redis:6379/0"


def test_the_settings_check_catches_a_misspelt_variable(tmp_path: Path) -> None:
    with pytest.raises(SettingsWarning, match="PYSTATOR_REDIS_URLL"):
        load_settings({"PYSTATOR_REDIS_URLL": "redis://x"}, tmp_path)


def test_the_services_agree_on_the_addresses() -> None:
    api, worker = environment(services()["api"]), environment(services()["worker"])
    assert api["PYSTATOR_API_PORT"] == "8004"
    assert services()["api"]["ports"] == ["8004:8004"]
    for key in ("PYSTATOR_DATABASE_URL", "PYSTATOR_REDIS_URL", "PYSTATOR_REDIS_KEY_PREFIX"):
        assert api[key] == worker[key] == environment(services()["celery"])[key]
    postgres = environment(services()["postgres"])
    user, password, db = postgres["POSTGRES_USER"], postgres["POSTGRES_PASSWORD"], postgres["POSTGRES_DB"]
    assert api["PYSTATOR_DATABASE_URL"] == f"postgresql://{user}:{password}@postgres:5432/{db}"


EXAMPLE_SETTINGS = sorted((ROOT / "apps").glob("*/pystator.cfg"))
EXAMPLE_ENVS = sorted((ROOT / "apps").glob("*/.env.example"))


@pytest.mark.parametrize("path", EXAMPLE_SETTINGS, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_settings_file_loads(path: Path, tmp_path: Path) -> None:
    settings = load_settings({}, tmp_path, config_file=path)
    assert settings.database.url.startswith("postgresql://")
    assert settings.redis.url == "redis://redis:6379/0"


@pytest.mark.parametrize("path", EXAMPLE_ENVS, ids=lambda p: str(p.relative_to(ROOT)))
def test_example_env_file_loads(path: Path, tmp_path: Path) -> None:
    env = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    assert env and all(key.startswith("PYSTATOR_") for key in env)
    settings = load_settings(env, tmp_path)
    assert settings.redis.url == "redis://redis:6379/0"


def test_every_app_has_its_files() -> None:
    for app in ("server", "worker"):
        for name in ("Dockerfile", "pystator.cfg", ".env.example"):
            assert (ROOT / "apps" / app / name).is_file(), f"apps/{app}/{name}"


# --------------------------------------------------------------------------- files and services


def dockerfile_lines(path: Path) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined."""
    joined = path.read_text(encoding="utf-8").replace("\\\n", " ")
    return [
        " ".join(line.split()) for line in joined.splitlines() if line.strip() and not line.startswith("#")
    ]


def built_services() -> list[tuple[str, Path, Path]]:
    found = []
    for name, service in services().items():
        if "build" in service:
            context = ROOT / service["build"]["context"]
            found.append((name, context, context / service["build"]["dockerfile"]))
    return found


@pytest.mark.parametrize(("name", "context", "dockerfile"), built_services(), ids=str)
def test_dockerfile_and_copied_paths_exist(name: str, context: Path, dockerfile: Path) -> None:
    assert context.is_dir(), f"{name}: build context {context}"
    assert dockerfile.is_file(), f"{name}: {dockerfile}"
    copies = [line.split()[1:-1] for line in dockerfile_lines(dockerfile) if line.startswith("COPY ")]
    assert copies, f"{dockerfile}: copies nothing"
    for sources in copies:
        if any(word.startswith("--from=") for word in sources):
            continue
        for source in sources:
            assert list(context.glob(source.rstrip("/"))), f"{dockerfile}: COPY {source} matches nothing"
    for line in dockerfile_lines(dockerfile):
        if line.startswith(("RUN pip wheel", "RUN pip install")):
            for word in line.split():
                if word.startswith("packages/"):
                    assert (context / word / "pyproject.toml").is_file(), f"{dockerfile}: {word}"


@pytest.mark.parametrize(("name", "context", "dockerfile"), built_services(), ids=str)
def test_dockerfile_cmd_is_a_real_command(name: str, context: Path, dockerfile: Path) -> None:
    (cmd,) = [line for line in dockerfile_lines(dockerfile) if line.startswith("CMD ")]
    argv = json.loads(cmd.removeprefix("CMD "))
    path = check_command(argv)
    assert len(path) >= 2


def test_the_stack_has_its_services() -> None:
    found = services()
    assert set(found) == {"postgres", "redis", "api", "worker", "celery"}
    assert found["postgres"]["image"] == "postgres:15"
    assert found["redis"]["image"] == "redis:7"
    assert found["celery"]["profiles"] == ["celery"]
    assert found["worker"]["deploy"]["replicas"] >= 2
    for name, service in found.items():
        assert service.get("healthcheck", {}).get("test"), f"{name}: no health check"
        if name not in {"postgres", "redis"}:
            conditions = {dep: spec["condition"] for dep, spec in service["depends_on"].items()}
            assert conditions["postgres"] == conditions["redis"] == "service_healthy", name
    assert found["api"]["build"]["dockerfile"] == "apps/server/Dockerfile"
    assert (
        found["worker"]["build"]["dockerfile"]
        == found["celery"]["build"]["dockerfile"]
        == "apps/worker/Dockerfile"
    )
