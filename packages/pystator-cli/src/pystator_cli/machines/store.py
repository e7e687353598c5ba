"""``pystator machines list|push|pull``: the API's machine store (``/api/v1/machines``) over HTTP."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Annotated, Any

import typer

from pystator.config.ports import API_PORT
from pystator_cli.api_client import ApiClient, ApiError, ApiUnreachableError
from pystator_cli.machine_files import file_problems, require_files
from pystator_cli.output import EXIT_PROBLEMS, EXIT_USAGE, fail, print_json, print_table, progress, say

__all__ = ["list_machines", "pull", "push"]

ApiUrl = Annotated[
    str,
    typer.Option("--api-url", envvar="PYSTATOR_API_URL", help="Base URL of the PyStator API."),
]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="PYSTATOR_API_KEY", help="Sent as X-API-Key.")
]
Token = Annotated[
    str | None, typer.Option("--token", envvar="PYSTATOR_API_TOKEN", help="Sent as a bearer token.")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]
DEFAULT_API_URL = f"http://127.0.0.1:{API_PORT}"
_MACHINES = "/api/v1/machines"


def _machine_path(machine_id: str) -> str:
    return f"{_MACHINES}/{urllib.parse.quote(machine_id, safe='')}"


def _api_failure(command: str, exc: ApiError) -> None:
    if isinstance(exc, ApiUnreachableError):
        fail(command, f"{exc.message} (is it running? start it with `pystator api`)", EXIT_PROBLEMS)
    detail = f": {'; '.join(exc.errors)}" if exc.errors else ""
    fail(command, f"{exc.message}{detail}", EXIT_PROBLEMS)


def list_machines(
    api_url: ApiUrl = DEFAULT_API_URL, api_key: ApiKey = None, token: Token = None, as_json: JsonFlag = False
) -> None:
    """List the machines stored in the API (latest versions)."""
    client = ApiClient(api_url, api_key, token)
    try:
        machines: list[dict[str, Any]] = client.get(_MACHINES)
    except ApiError as exc:
        _api_failure("machines list", exc)
        return
    if as_json:
        print_json(machines)
        return
    print_table(
        "Machines",
        ["machine", "version", "initial state", "states", "triggers", "description"],
        [
            [
                m["machine_id"],
                m["version"],
                m["initial_state"],
                len(m["states"]),
                len(m["triggers"]),
                m["description"],
            ]
            for m in machines
        ],
    )


def push(
    files: Annotated[list[Path], typer.Argument(help="Machine files to store (YAML or JSON).")],
    *,
    machine_id: Annotated[
        str | None,
        typer.Option("--id", help="Store under this id (one file only; default: meta.machine_name)."),
    ] = None,
    description: Annotated[str, typer.Option("--description", help="Description of the version.")] = "",
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    token: Token = None,
    as_json: JsonFlag = False,
) -> None:
    """Store machine files in the API: a new machine, or a new version of an existing one.

    Each file is validated here first; invalid files are reported with their lines and not sent."""
    require_files("machines push", files)
    if machine_id is not None and len(files) > 1:
        fail("machines push", "--id applies to a single file", EXIT_USAGE)
    client = ApiClient(api_url, api_key, token)
    results: list[dict[str, Any]] = []
    with progress("pushing machines", len(files)) as bar:
        for path in files:
            outcome = _push_one(client, path, machine_id, description)
            results.append(outcome)
            bar.step(_pushed_line(outcome))
    if as_json:
        print_json(results)
    failed = [r for r in results if not r["ok"]]
    if failed:
        if any(r.get("unreachable") for r in failed):
            say(f"cannot reach the API at {api_url} (is it running? start it with `pystator api`)")
        raise typer.Exit(EXIT_PROBLEMS)


def _pushed_line(outcome: dict[str, Any]) -> str:
    if outcome["ok"]:
        verb = "created" if outcome["created"] else "updated"
        return f"{outcome['file']}: {verb} {outcome['machine_id']} version {outcome['version']}"
    return "\n".join(outcome["problems"])


def _push_one(client: ApiClient, path: Path, machine_id: str | None, description: str) -> dict[str, Any]:
    result: dict[str, Any] = {"file": str(path), "ok": False, "machine_id": machine_id, "problems": []}
    problems = file_problems(path)
    if problems:
        result["problems"] = [str(p) for p in problems]
        return result
    from pystator.config import load_file

    if machine_id is None:
        machine_id = (load_file(path).get("meta") or {}).get("machine_name")
        if not isinstance(machine_id, str) or not machine_id:
            result["problems"] = [f"{path}: meta.machine_name is not set; pass --id"]
            return result
    result["machine_id"] = machine_id
    body = {
        "source": path.read_text(encoding="utf-8-sig"),
        "format": "json" if path.suffix.lower() == ".json" else "yaml",
        "description": description,
    }
    try:
        try:
            client.get(_machine_path(machine_id))
            stored = client.put(_machine_path(machine_id), body)
            result["created"] = False
        except ApiError as exc:
            if exc.status != 404:
                raise
            stored = client.post(_MACHINES, {**body, "machine_id": machine_id})
            result["created"] = True
    except ApiError as exc:
        lines = [f"{path}: {exc.message}"] + [f"{path}: {e}" for e in exc.errors]
        result.update(problems=lines, unreachable=isinstance(exc, ApiUnreachableError))
        return result
    result.update(ok=True, version=stored["version"])
    return result


def pull(
    machine_id: Annotated[str, typer.Argument(help="The stored machine's id.")],
    *,
    version: Annotated[
        int | None, typer.Option("--version", help="A version; the latest by default.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write the definition here instead of stdout.")
    ] = None,
    api_url: ApiUrl = DEFAULT_API_URL,
    api_key: ApiKey = None,
    token: Token = None,
    as_json: JsonFlag = False,
) -> None:
    """Fetch a stored machine's definition, as it was pushed (or, with --json, the whole record)."""
    client = ApiClient(api_url, api_key, token)
    try:
        stored: dict[str, Any] = client.get(_machine_path(machine_id), version=version)
    except ApiError as exc:
        _api_failure("machines pull", exc)
        return
    if as_json:
        print_json(stored)
        return
    source: str = stored["source"]
    if output is None:
        typer.echo(source.rstrip("\n"))
        return
    output.write_text(source if source.endswith("\n") else source + "\n", encoding="utf-8")
    say(f"wrote {output} ({stored['machine_id']} version {stored['version']})")
