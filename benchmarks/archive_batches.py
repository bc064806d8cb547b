"""Incremental runs against an archive find what one run over everything finds.

    python benchmarks/archive_batches.py

The devset input is split into two batches (alternate documents, so copies fall on both sides).
Batch 1 then batch 2 are run with one --index; the cross-batch document duplicate pairs the
second run reports (against archived copies) are compared with the cross-batch pairs of a single
run over both batches.  Target: at least 95%.
"""
from __future__ import annotations

import itertools
import json
import subprocess
import tempfile
from pathlib import Path

from common import NEWSCLEAN, shared


def document_pairs(path: Path) -> set[tuple[str, str]]:
    pairs = set()
    for line in path.open(encoding="utf-8"):
        cluster = json.loads(line)
        if cluster["level"] == "document":
            ids = sorted(m["id"] for m in cluster["members"])
            pairs.update(itertools.combinations(ids, 2))
    return pairs


def main() -> None:
    lines = shared("devset/input.jsonl").read_text(encoding="utf-8").splitlines()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        batches = [lines[0::2], lines[1::2]]
        ids = []
        for n, batch in enumerate(batches):
            (tmp / f"batch{n}.jsonl").write_text("\n".join(batch) + "\n", encoding="utf-8")
            ids.append({json.loads(line)["id"] for line in batch})
        run = lambda *args: subprocess.run([*NEWSCLEAN, "run", *args, "-q"], check=True)  # noqa: E731
        run(str(tmp / "batch0.jsonl"), str(tmp / "batch1.jsonl"), "--out", str(tmp / "single"))
        for n in range(2):
            run(str(tmp / f"batch{n}.jsonl"), "--out", str(tmp / f"out{n}"), "--index", str(tmp / "archive.sqlite"))
        cross = lambda pairs: {p for p in pairs if (p[0] in ids[0]) != (p[1] in ids[0])}  # noqa: E731
        single = cross(document_pairs(tmp / "single" / "duplicates.jsonl"))
        incremental = cross(document_pairs(tmp / "out1" / "duplicates.jsonl"))
        found = len(single & incremental)
        print(f"cross-batch document duplicate pairs: single run {len(single)}, second batch against the "
              f"archive {len(incremental)}, found {found}/{len(single)} ({found / max(1, len(single)):.1%}); "
              f"extra {len(incremental - single)}")
        stats = subprocess.run([*NEWSCLEAN, "index", "stats", str(tmp / "archive.sqlite")], check=True,
                               capture_output=True, text=True).stdout
        print("archive:", json.dumps({k: v for k, v in json.loads(stats).items() if k != "path"}))


if __name__ == "__main__":
    main()
