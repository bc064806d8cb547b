"""Helpers shared by the benchmarks: locating ../shared, running newsclean and timing on one core."""
from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

from damage import KINDS, damage

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
#: The newsclean of the interpreter running the benchmark, not whichever is first on PATH.
NEWSCLEAN = [sys.executable, "-m", "newsclean"]


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


def damaged_corpus(path: Path, count: int) -> None:
    """~count documents: corpus articles, some republished with edits or in Traditional script,
    each with one damage from the simulator."""
    import opencc
    s2t = opencc.OpenCC("s2t")
    rng = random.Random(1)
    texts = read_texts(shared("corpus/news.jsonl"))
    with path.open("w", encoding="utf-8") as f:
        n = 0
        while n < count:
            text = texts[n % len(texts)]
            if n >= len(texts):  # a republished copy: edited, sometimes in the other script
                text = text.replace("。", "，", 1)
                if rng.random() < 0.3:
                    text = s2t.convert(text)
            paragraphs = [p for p in text.split("\n") if p.strip()] or [text]
            broken = damage(["标题"] + paragraphs, KINDS[n % len(KINDS)], rng)
            f.write(json.dumps({"id": f"doc{n}", "text": broken}, ensure_ascii=False) + "\n")
            n += 1


def corpus_text() -> str:
    """All of ../shared/corpus's text, one string."""
    return "".join(read_texts(shared("corpus/news.jsonl")))


def slice_article(text: str, rng: random.Random) -> str:
    """A distinct article made of ``text``: six paragraphs of four random 30-character slices."""
    return "\n".join("".join(text[s:s + 30] for s in (rng.randrange(len(text) - 30) for _ in range(4)))
                     for _ in range(6))
