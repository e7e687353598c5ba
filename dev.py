#!/usr/bin/env python3
"""The PyStator workspace driver: one entry point for newcomers, contributors and CI.

Needs only Python 3.11+ and git. Every command sets up what it needs first, in ``.venv/`` inside the
checkout (bootstrapping uv and hatch there), so nothing has to be installed by hand.

    python3 dev.py up              # set up, then run the whole stack on the embedded defaults
    python3 dev.py test            # set up, then lint, type-check and run every test
    python3 dev.py test -k engine  # extra arguments go to pytest
    python3 dev.py lint            # ruff + mypy only
    python3 dev.py build           # wheels and sdists of all eight distributions into dist/
    python3 dev.py check-wheels    # install each built wheel alone in a fresh venv and import it
    python3 dev.py bump pystator-core minor   # bump one distribution (major|minor|patch|X.Y.Z)
    python3 dev.py bench           # run the benchmarks and print figures
    python3 dev.py ui-build        # npm ci + build the web UI into pystator_api/ui_dist/ (setup does it)
"""

from __future__ import annotations

import sys

if sys.version_info < (3, 11):  # noqa: UP036 - dev.py is run by whatever python3 the newcomer has
    sys.exit("PyStator needs Python 3.11 or newer")

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import tomllib
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
DIST = ROOT / "dist"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"

# Install order matters only for readability; the resolver sees them all at once.
PACKAGES: dict[str, tuple[str, str]] = {
    # dist name: (folder under packages/, import name)
    "pystator-contracts": ("pystator-contracts", "pystator_contracts"),
    "pystator-core": ("pystator-core", "pystator"),
    "pystator-stores": ("pystator-stores", "pystator_stores"),
    "pystator-scheduler": ("pystator-scheduler", "pystator_scheduler"),
    "pystator-worker": ("pystator-worker", "pystator_worker"),
    "pystator-api": ("pystator-api", "pystator_api"),
    "pystator-cli": ("pystator-cli", "pystator_cli"),
    "pystator": ("pystator", ""),
}
# Extras installed in the development environment so that every backend is tested.
DEV_EXTRAS: dict[str, str] = {
    "pystator-stores": "[postgres,redis]",
    "pystator-scheduler": "[redis,celery]",
    "pystator-worker": "[postgres]",
}
CORE_ALLOWED_REQUIREMENTS = {"pystator-contracts", "pydantic", "ruamel.yaml", "simpleeval"}


def say(message: str) -> None:
    print(f"[dev] {message}", flush=True)


def run(cmd: list[str | os.PathLike[str]], *, cwd: Path = ROOT, check: bool = True) -> int:
    printable = " ".join(str(c) for c in cmd)
    say(f"$ {printable}")
    completed = subprocess.run([str(c) for c in cmd], cwd=cwd, check=False)
    if check and completed.returncode != 0:
        say(f"command failed with exit code {completed.returncode}: {printable}")
        sys.exit(completed.returncode)
    return completed.returncode


def package_dir(dist: str) -> Path:
    return ROOT / "packages" / PACKAGES[dist][0]


# --------------------------------------------------------------------------- environment setup


def dependency_group(name: str, groups: dict[str, list[object]]) -> list[str]:
    """Expand a PEP 735 dependency group, following include-group entries."""
    resolved: list[str] = []
    for entry in groups[name]:
        if isinstance(entry, str):
            resolved.append(entry)
        elif isinstance(entry, dict) and "include-group" in entry:
            resolved.extend(dependency_group(str(entry["include-group"]), groups))
    return resolved


def setup_fingerprint() -> str:
    digest = hashlib.sha256()
    for path in sorted(
        [ROOT / "pyproject.toml", Path(__file__).resolve(), *ROOT.glob("packages/*/pyproject.toml")]
    ):
        digest.update(path.as_posix().encode())
        digest.update(path.read_bytes())
    digest.update(sys.version.encode())
    return digest.hexdigest()


# command -> Debian package the tests need: graphviz renders diagrams; chromium runs the web UI's
# end-to-end tests (driven by playwright-core, which never downloads a browser of its own)
SYSTEM_TOOLS = {"dot": "graphviz", "chromium": "chromium"}


def ensure_system_tools() -> None:
    """Install missing system tools with apt-get when root on Debian; otherwise say what is missing."""
    missing = [package for command, package in SYSTEM_TOOLS.items() if shutil.which(command) is None]
    if not missing:
        return
    if os.name == "posix" and os.geteuid() == 0 and shutil.which("apt-get"):
        say(f"installing system packages: {' '.join(missing)}")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for cmd in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *missing]):
            if subprocess.run(cmd, env=env, check=False).returncode != 0:
                say(f"could not install {' '.join(missing)}; the tests that need them will say so")
                return
    else:
        say(f"missing system packages (install them to run every test): {' '.join(missing)}")


UI = ROOT / "ui"
UI_DIST = package_dir("pystator-api") / "src" / "pystator_api" / "ui_dist"
UI_INPUTS = ("package.json", "package-lock.json", "index.html", "vite.config.ts", "tsconfig.json", "src")


def ui_sources_stamp() -> str:
    digest = hashlib.sha256()
    for name in UI_INPUTS:
        path = UI / name
        for file in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if file.is_file():
                digest.update(file.relative_to(UI).as_posix().encode())
                digest.update(file.read_bytes())
    return digest.hexdigest()


def ui_build(force: bool = False) -> None:
    """Install the UI's npm packages (npm ci, from the lock file) and build it into ui_dist/."""
    npm = shutil.which("npm")
    if npm is None:
        say("node/npm not found: the web UI is not built (pystator up serves the API only)")
        return
    stamp = UI_DIST / ".sources-sha256"
    current = ui_sources_stamp()
    if not force and stamp.exists() and stamp.read_text() == current and (UI_DIST / "index.html").exists():
        return
    lock_stamp = UI / "node_modules" / ".package-lock.json"
    if (
        force
        or not lock_stamp.exists()
        or lock_stamp.stat().st_mtime < (UI / "package-lock.json").stat().st_mtime
    ):
        run([npm, "ci", "--no-audit", "--no-fund"], cwd=UI)
    run([npm, "run", "build"], cwd=UI)
    stamp.write_text(current)
    say(f"web UI built into {UI_DIST.relative_to(ROOT)}/")


def setup(force: bool = False) -> None:
    """Create .venv and install every distribution editable plus the dev tools (skipped when current)."""
    ensure_system_tools()
    ui_build()
    stamp = VENV / ".pystator-setup"
    fingerprint = setup_fingerprint()
    if not force and PYTHON.exists() and stamp.exists() and stamp.read_text() == fingerprint:
        return
    if not PYTHON.exists():
        say(f"creating {VENV.relative_to(ROOT)}")
        venv.EnvBuilder(with_pip=True, clear=True).create(VENV)
    run([PYTHON, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "uv>=0.4"])
    groups = tomllib.loads((ROOT / "pyproject.toml").read_text())["dependency-groups"]
    requirements: list[str] = []
    for dist in PACKAGES:
        requirements += ["-e", f"{package_dir(dist)}{DEV_EXTRAS.get(dist, '')}"]
    requirements += dependency_group("dev", groups)
    run([BIN / "uv", "pip", "install", "--python", PYTHON, *requirements])
    stamp.write_text(fingerprint)
    say("environment ready")


def tool(name: str) -> Path:
    return BIN / name


# --------------------------------------------------------------------------- checks and tests


def import_names() -> list[str]:
    return [imp for _, imp in PACKAGES.values() if imp]


def lint() -> None:
    run([tool("ruff"), "check", "."])
    run([tool("ruff"), "format", "--check", "."])
    mypy_args: list[str] = []
    for name in import_names():
        mypy_args += ["-p", name]
    run([tool("mypy"), *mypy_args])


def test(pytest_args: list[str]) -> None:
    lint()
    code = run([tool("pytest"), *pytest_args], check=False)
    if code == 5:
        say("pytest collected no tests: that is a failure here (a test run must test something)")
        sys.exit(1)
    if code != 0:
        sys.exit(code)


# --------------------------------------------------------------------------- the main job


def up(extra: list[str]) -> None:
    """Run the whole stack on the embedded defaults; until the CLI can, run the quick-start example."""
    pystator = tool("pystator")
    if pystator.exists() and has_up_command(pystator):
        os.execv(str(pystator), [str(pystator), "up", *extra])
    run([PYTHON, ROOT / "examples" / "quickstart.py"])


def has_up_command(pystator: Path) -> bool:
    """True when an installed distribution contributes ``pystator up`` (entry point group pystator.cli)."""
    probe = subprocess.run(
        [
            str(PYTHON),
            "-c",
            "from importlib.metadata import entry_points as e; "
            "print('up' in {p.name for p in e(group='pystator.cli')})",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return probe.stdout.strip() == "True"


# --------------------------------------------------------------------------- build and release


def build() -> list[Path]:
    ui_build()
    if DIST.exists():
        shutil.rmtree(DIST)
    DIST.mkdir()
    for dist in PACKAGES:
        run([tool("hatch"), "build", "-t", "wheel", "-t", "sdist", DIST], cwd=package_dir(dist))
    artifacts = sorted(DIST.iterdir())
    say(f"built {len(artifacts)} artifacts into {DIST.relative_to(ROOT)}/")
    return artifacts


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str]]:
    """Name, version and Requires-Dist lines of a built wheel."""
    import zipfile
    from email.parser import Parser

    with zipfile.ZipFile(wheel) as archive:
        meta_name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        message = Parser().parsestr(archive.read(meta_name).decode())
    return message["Name"], message["Version"], message.get_all("Requires-Dist") or []


def requirement_name(requirement: str) -> str:
    match = re.match(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)", requirement)
    if match is None:
        raise ValueError(f"unparseable requirement {requirement!r}")
    return re.sub(r"[-_.]+", "-", match.group(1)).lower()


def check_core_requirements(wheels: list[Path]) -> None:
    core = next(w for w in wheels if wheel_metadata(w)[0] == "pystator-core")
    _, _, requires = wheel_metadata(core)
    unconditional = {requirement_name(r) for r in requires if "extra ==" not in r}
    allowed = {requirement_name(r) for r in CORE_ALLOWED_REQUIREMENTS}
    extra = unconditional - allowed
    if extra:
        sys.exit(f"pystator-core requires more than it may: {sorted(extra)} (allowed: {sorted(allowed)})")
    say(f"pystator-core requires only {sorted(unconditional)}")


def check_wheels(skip_build: bool) -> None:
    wheels = (
        sorted(DIST.glob("*.whl"))
        if skip_build and DIST.exists()
        else [p for p in build() if p.suffix == ".whl"]
    )
    if len(wheels) != len(PACKAGES):
        sys.exit(f"expected {len(PACKAGES)} wheels in dist/, found {len(wheels)}")
    check_core_requirements(wheels)
    built_versions = {wheel_metadata(w)[0]: wheel_metadata(w)[1] for w in wheels}
    root = ROOT / ".venvs"
    for wheel in wheels:
        name, version, _ = wheel_metadata(wheel)
        target = root / f"check-{name}"
        if target.exists():
            shutil.rmtree(target)
        run([tool("uv"), "venv", "--quiet", "--python", sys.executable, target])
        target_python = target / ("Scripts" if os.name == "nt" else "bin") / "python"
        # Same version numbers are rebuilt all the time here: never let uv reuse a cached sibling wheel.
        refresh = [arg for dist in PACKAGES for arg in ("--refresh-package", dist)]
        run(
            [
                tool("uv"),
                "pip",
                "install",
                "--quiet",
                *refresh,
                "--python",
                target_python,
                "--find-links",
                DIST,
                wheel,
            ]
        )
        import_name = PACKAGES[name][1]
        probe = (
            "import importlib, importlib.metadata as md, json, sys\n"
            f"mod = {import_name!r}\n"
            "if mod: importlib.import_module(mod)\n"
            "names = {d.metadata['Name'].lower(): d.version for d in md.distributions()}\n"
            "print(json.dumps({k: v for k, v in names.items() if k.startswith('pystator')}))\n"
        )
        output = subprocess.run(
            [str(target_python), "-c", probe], capture_output=True, text=True, check=False
        )
        if output.returncode != 0:
            sys.exit(f"{wheel.name}: import failed in a fresh environment:\n{output.stderr}")
        installed = json.loads(output.stdout.strip().splitlines()[-1])
        for dist_name, dist_version in installed.items():
            if built_versions.get(dist_name) != dist_version:
                sys.exit(f"{wheel.name}: {dist_name} {dist_version} did not come from the fresh build")
        say(f"ok {name} {version}: imports alone with {sorted(installed)}")
        shutil.rmtree(target)


def bump(dist: str, part: str) -> None:
    """Bump one distribution's version; prints the dependents whose ranges may need widening."""
    if dist not in PACKAGES:
        sys.exit(f"unknown distribution {dist!r}; expected one of {', '.join(PACKAGES)}")
    folder, import_name = PACKAGES[dist]
    if import_name:
        path = ROOT / "packages" / folder / "src" / import_name / "_version.py"
        pattern = re.compile(r'__version__ = "([^"]+)"')
    else:
        path = ROOT / "packages" / folder / "pyproject.toml"
        pattern = re.compile(r'^version = "([^"]+)"', re.MULTILINE)
    text = path.read_text()
    match = pattern.search(text)
    if match is None:
        sys.exit(f"no version found in {path}")
    old = match.group(1)
    new = next_version(old, part)
    path.write_text(text[: match.start(1)] + new + text[match.end(1) :])
    say(f"{dist}: {old} -> {new} ({path.relative_to(ROOT)})")
    changelog = ROOT / "packages" / folder / "CHANGELOG.md"
    lines = changelog.read_text().splitlines()
    lines[1:1] = ["", f"## {new} (unreleased)", ""]
    changelog.write_text("\n".join(lines) + "\n")
    for other, (other_folder, _) in PACKAGES.items():
        pyproject = (ROOT / "packages" / other_folder / "pyproject.toml").read_text()
        if re.search(rf'"{re.escape(dist)}(\[[^\]]*\])?[><=]', pyproject):
            say(f"note: {other} depends on {dist}; check that its range admits {new}")


def next_version(old: str, part: str) -> str:
    if re.fullmatch(r"\d+\.\d+\.\d+", part):
        return part
    major, minor, patch = (int(x) for x in old.split(".")[:3])
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    if part == "patch":
        return f"{major}.{minor}.{patch + 1}"
    sys.exit(f"bump: expected major, minor, patch or X.Y.Z, got {part!r}")


# --------------------------------------------------------------------------- entry point


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(
        prog="dev.py", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--no-setup", action="store_true", help="assume .venv is already set up")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="create .venv and install everything (forced)")
    sub.add_parser("up", help="set up and run the whole stack on embedded defaults")
    sub.add_parser("test", help="set up, lint, type-check and run all tests (extra args go to pytest)")
    sub.add_parser("lint", help="ruff and mypy")
    sub.add_parser("build", help="build all wheels and sdists into dist/")
    check = sub.add_parser("check-wheels", help="install each wheel alone in a fresh venv and import it")
    check.add_argument("--skip-build", action="store_true")
    bump_parser = sub.add_parser("bump", help="bump one distribution's version")
    bump_parser.add_argument("dist")
    bump_parser.add_argument("part")
    sub.add_parser("bench", help="run the benchmarks")
    sub.add_parser("ui-build", help="npm ci and build the web UI into pystator_api/ui_dist/")
    args, extra = parser.parse_known_args(argv)
    if args.command == "setup":
        setup(force=True)
        return
    if args.command == "ui-build":
        ui_build(force=True)
        return
    if args.command == "bump":
        bump(args.dist, args.part)
        return
    if not args.no_setup:
        setup()
    if args.command == "up":
        up(extra)
    elif args.command == "test":
        test(extra)
    elif args.command == "lint":
        lint()
    elif args.command == "build":
        build()
    elif args.command == "check-wheels":
        check_wheels(args.skip_build)
    elif args.command == "bench":
        run([PYTHON, ROOT / "bench" / "run.py", *extra])


if __name__ == "__main__":
    main(sys.argv[1:])
