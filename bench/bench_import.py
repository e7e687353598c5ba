"""Cold ``import pystator`` time, measured in fresh interpreters (the first figure of the suite)."""

from __future__ import annotations

import statistics
import subprocess
import sys

from _figures import Figure

PROBE = "import time; t = time.perf_counter(); import pystator; print(time.perf_counter() - t)"


def cold_import_ms(statement: str = PROBE, runs: int = 15) -> float:
    samples = []
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", statement], capture_output=True, text=True, check=True)
        samples.append(float(out.stdout.strip()) * 1000)
    return statistics.median(samples)


def run() -> list[Figure]:
    return [
        Figure("cold import pystator (median of 15 fresh interpreters)", cold_import_ms(), "ms", "< 150 ms")
    ]
