"""``pystator machines validate|lint|diagram|show``: machine files on disk."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from pystator_cli.locations import Problem, locate_problem
from pystator_cli.machine_files import file_problems, load_machine, print_problems, require_files
from pystator_cli.output import EXIT_PROBLEMS, colour, print_json, print_table, say

__all__ = ["diagram", "lint", "show", "validate"]

Files = Annotated[list[Path], typer.Argument(help="Machine files (YAML, or JSON by the .json suffix).")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def validate(files: Files, as_json: JsonFlag = False) -> None:
    """Check machine files against the schema and the semantic rules.

    Every problem is printed as FILE:LINE: PATH: MESSAGE; exit 1 when any file has one.
    """
    require_files("machines validate", files)
    report = [(path, file_problems(path)) for path in files]
    invalid = [path for path, problems in report if problems]
    if as_json:
        print_json(
            {
                "valid": not invalid,
                "files": [
                    {"file": str(p), "valid": not found, "problems": [x.as_dict() for x in found]}
                    for p, found in report
                ],
            }
        )
    else:
        for path, problems in report:
            if problems:
                print_problems(problems)
            else:
                typer.echo(f"{path}: {colour('valid', fg='green')}")
        count = sum(len(found) for _, found in report)
        if invalid:
            say(f"{len(invalid)} of {len(files)} files invalid ({count} problems)")
    if invalid:
        raise typer.Exit(EXIT_PROBLEMS)


def lint(
    files: Files,
    strict: Annotated[
        bool, typer.Option("--strict", help="Fail on info findings too, not only on warnings.")
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Warn about valid machines that are probably not what was meant (unreachable states, dead
    ends, shadowed transitions, ...). Exit 1 on any warning (or, with --strict, any finding);
    invalid files are reported as by validate."""
    from pystator.lint import lint as lint_config

    require_files("machines lint", files)
    entries: list[dict[str, Any]] = []
    failing = False
    for path in files:
        problems = file_problems(path)
        findings: list[tuple[Problem, str, str]] = []
        if not problems:
            for warning in lint_config(path):
                located = locate_problem(str(path), f"{warning.path}: {warning.message}")
                findings.append((located, warning.code, warning.severity))
        failing = failing or bool(problems)
        failing = failing or any(strict or severity == "warning" for _, _, severity in findings)
        entries.append({"file": path, "problems": problems, "findings": findings})
    if as_json:
        print_json([_lint_entry(entry) for entry in entries])
    else:
        for entry in entries:
            print_problems(entry["problems"])
            for problem, code, severity in entry["findings"]:
                label = "" if severity == "warning" else f"({severity}) "
                tag = colour(f"[{code}]", fg="yellow" if severity == "warning" else "blue")
                typer.echo(f"{_where(problem)}: {label}{problem.message} {tag}")
            if not entry["problems"] and not entry["findings"]:
                typer.echo(f"{entry['file']}: no findings")
    if failing:
        raise typer.Exit(EXIT_PROBLEMS)


def _where(problem: Problem) -> str:
    where = f"{problem.file}:{problem.line}" if problem.line else problem.file
    return f"{colour(where, bold=True)}: {colour(problem.path, fg='cyan')}"


def _lint_entry(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "file": str(entry["file"]),
        "valid": not entry["problems"],
        "problems": [p.as_dict() for p in entry["problems"]],
        "findings": [
            {**p.as_dict(), "code": code, "severity": severity} for p, code, severity in entry["findings"]
        ],
    }


def diagram(
    file: Annotated[Path, typer.Argument(help="A machine file.")],
    format: Annotated[
        Literal["mermaid", "dot"], typer.Option("--format", "-f", help="Mermaid or Graphviz DOT.")
    ] = "mermaid",
    direction: Annotated[
        Literal["TB", "LR"] | None, typer.Option("--direction", help="Layout direction.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write to this file instead of stdout.")
    ] = None,
) -> None:
    """Draw a machine as a Mermaid state diagram or Graphviz DOT source."""
    from pystator.diagrams import to_dot, to_mermaid

    require_files("machines diagram", [file])
    machine = load_machine("machines diagram", file)
    if format == "dot":
        text = to_dot(machine, direction=direction or "TB")
    else:
        text = to_mermaid(machine, direction=direction)
    if output is None:
        typer.echo(text.rstrip("\n"))
        return
    output.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    say(f"wrote {output}")


def show(file: Annotated[Path, typer.Argument(help="A machine file.")], as_json: JsonFlag = False) -> None:
    """Describe a machine: its states, transitions and triggers."""
    require_files("machines show", [file])
    machine = load_machine("machines show", file)
    states = [_state_row(machine, name) for name in machine.state_names]
    transitions = [_transition_row(t) for t in machine.transitions]
    if as_json:
        print_json(
            {
                "name": machine.name,
                "version": machine.version,
                "initial_state": machine.initial_state,
                "states": states,
                "transitions": transitions,
                "triggers": list(machine.triggers),
            }
        )
        return
    heading = f"{machine.name or file.stem}" + (f" {machine.version}" if machine.version else "")
    typer.echo(f"{heading}: initial state {machine.initial_state}")
    print_table(
        "States",
        ["state", "type", "parent", "on enter", "on exit", "timeout"],
        [
            [
                s["name"],
                s["type"],
                s["parent"],
                ", ".join(s["on_enter"]),
                ", ".join(s["on_exit"]),
                s["timeout"],
            ]
            for s in states
        ],
    )
    print_table(
        "Transitions",
        ["trigger", "source", "dest", "guards", "actions"],
        [
            [t["trigger"], ", ".join(t["source"]), t["dest"], ", ".join(t["guards"]), ", ".join(t["actions"])]
            for t in transitions
        ],
    )
    print_table("Triggers", ["trigger"], [[name] for name in machine.triggers])


def _state_row(machine: Any, name: str) -> dict[str, Any]:
    from pystator.actions import action_specs_from_entries

    info = machine.get_state(name)
    definition = machine.states[name]
    timeout = definition.timeout
    return {
        "name": name,
        "type": info.type,
        "parent": info.parent,
        "on_enter": [spec.name for spec in action_specs_from_entries(definition.on_enter)],
        "on_exit": [spec.name for spec in action_specs_from_entries(definition.on_exit)],
        "timeout": f"{timeout.seconds:g}s -> {timeout.destination}" if timeout is not None else None,
    }


def _transition_row(transition: Any) -> dict[str, Any]:
    trigger = transition.trigger
    if trigger is None:
        trigger = f"after {transition.after_ms} ms" if transition.after_ms is not None else "(auto)"
    return {
        "trigger": trigger,
        "source": sorted(transition.source),
        "dest": transition.dest,
        "guards": list(transition.guards),
        "actions": list(transition.actions),
    }
