"""Helpers shared by the benchmarks: locating ../shared and timing on one core."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def shared(path: str) -> Path:
    """A file under ../shared, or exit with a clear message when it is not there."""
    full = SHARED / path
    if not full.exists():
        sys.exit(f"benchmark: {full} not found; benchmarks read the shared corpus at run time")
    return full


def read_texts(path: Path) -> list[str]:
    return [json.loads(line)["text"] for line in path.open(encoding="utf-8")]


def best_of(runs: int, work) -> float:
    """The fastest of ``runs`` timings of ``work()`` in seconds (the least disturbed by noise)."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - start)
    return best
