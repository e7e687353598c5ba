"""Importing the core library stays light: nothing optional is pulled in, forwarded names are lazy."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("fastapi", "starlette", "uvicorn", "asyncpg", "redis", "typer", "celery")


def _run(code: str) -> str:
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return completed.stdout


def test_core_import_pulls_in_nothing_optional() -> None:
    out = _run(
        "import json, sys\n"
        "import pystator, pystator.actions, pystator.scheduler, pystator.stores\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    loaded = json.loads(out)
    offenders = [
        m
        for m in loaded
        if m.split(".")[0] in HEAVY
        or (
            m.startswith("pystator_")
            and m != "pystator_contracts"
            and not m.startswith("pystator_contracts.")
        )
    ]
    assert offenders == []


def test_ruamel_is_not_imported_until_yaml_is_read() -> None:
    out = _run("import sys, pystator\nprint('ruamel' in sys.modules)")
    assert out.strip() == "False"


@pytest.mark.parametrize(
    ("module", "name", "distribution"),
    [
        ("pystator.stores", "SQLiteStateStore", "pystator_stores"),
        ("pystator.stores", "PostgresStateStore", "pystator_stores"),
        ("pystator.stores", "RedisStateStore", "pystator_stores"),
        ("pystator.scheduler", "RedisScheduler", "pystator_scheduler"),
        ("pystator.scheduler", "CeleryScheduler", "pystator_scheduler"),
    ],
)
def test_forwarded_names_name_the_distribution_when_missing(
    module: str, name: str, distribution: str
) -> None:
    # Simulate the distribution being absent by blocking its import in a fresh interpreter.
    code = (
        "import sys\n"
        f"sys.modules[{distribution!r}] = None\n"
        f"import {module} as m\n"
        "try:\n"
        f"    getattr(m, {name!r})\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    out = _run(code)
    assert out.startswith("IMPORT-ERROR")
    assert distribution.replace("_", "-") in out
    assert "pip install" in out


def test_unknown_forwarded_attribute_is_an_attribute_error() -> None:
    import pystator.stores

    with pytest.raises(AttributeError, match="NoSuchStore"):
        pystator.stores.NoSuchStore  # noqa: B018


def test_api_forwarder_names_the_extra_when_api_missing() -> None:
    code = (
        "import sys\n"
        "sys.modules['pystator_api'] = None\n"
        "try:\n"
        "    import pystator.api.main\n"
        "except ImportError as exc:\n"
        "    print('IMPORT-ERROR', exc)\n"
    )
    out = _run(code)
    assert out.startswith("IMPORT-ERROR")
    assert "pystator[api]" in out
