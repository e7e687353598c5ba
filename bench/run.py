"""Run every benchmark module in bench/ (or those matching the arguments) and print their figures."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _figures import Figure  # noqa: E402

ORDER = ["bench_import"]  # figures that must come first; the rest follow alphabetically


def modules(filters: list[str]) -> list[str]:
    names = sorted(p.stem for p in HERE.glob("bench_*.py"))
    names = [n for n in ORDER if n in names] + [n for n in names if n not in ORDER]
    return [n for n in names if not filters or any(f in n for f in filters)]


def main(argv: list[str]) -> int:
    failures = 0
    for name in modules(argv):
        started = time.perf_counter()
        print(f"== {name}", flush=True)
        try:
            figures: list[Figure] = importlib.import_module(name).run()
        except Exception as exc:  # a broken benchmark must not hide the others' figures
            failures += 1
            print(f"   FAILED: {type(exc).__name__}: {exc}", flush=True)
            continue
        for figure in figures:
            print("   " + figure.line(), flush=True)
        print(f"   ({time.perf_counter() - started:.1f} s)", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
