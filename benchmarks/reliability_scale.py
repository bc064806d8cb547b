"""Scale and linearity of one run: issue 16 item 3 (no document costs more than its size).

    python benchmarks/reliability_scale.py [--quick] [--parts 1,2,3]

1. Documents of 1k, 2k, 4k and 8k lines of 90 characters that stop mid-sentence (random slices
   of ../shared/corpus, a blank line between them): seconds of repair alone, and of a whole
   ``newsclean run`` on the one document.  The times must grow linearly with the lines.
2. ``newsclean run`` on 200,000 small documents (three slices of 60 characters of the corpus
   each): seconds and peak resident memory (all its processes, sampled from /proc), and the
   wall time of its steps (reading and processing the shards, clustering, writing).
3. ``newsclean run`` on one 200 MB JSONL record: a year of a paper dumped as one text, each
   paragraph three of the corpus's (about 900 characters), drawn at random.  Seconds and peak resident memory.

``--quick`` runs a quarter of each size (250 to 2k lines, 50,000 documents, 50 MB).  The inputs
are written to a temporary folder at run time: no corpus text is kept in the repository.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from common import NEWSCLEAN, corpus_text
from engines import descendants, resident_kb

#: Characters that end a clause or a sentence: a line stopping on one is not cut mid-sentence.
STOPS = "。！？；：，、”」』）"


def cut_lines(text: str, lines: int, width: int = 90, seed: int = 1) -> str:
    """``lines`` random slices of ``width`` characters of ``text`` that stop mid-sentence,
    a blank line between them."""
    rng, out = random.Random(seed), []
    while len(out) < lines:
        start = rng.randrange(len(text) - width)
        line = text[start:start + width]
        if line[-1] not in STOPS and "\n" not in line:
            out.append(line)
    return "\n\n".join(out)


def repair_seconds(document: str) -> float:
    from newsclean import Document, Normalise, Repair
    normalised = Normalise.from_rules().process(Document(id="d", text=document))
    repair = Repair.from_rules()
    start = time.perf_counter()
    repair.process(normalised)
    return time.perf_counter() - start


def run(source: Path, out: Path) -> tuple[float, int, int]:
    """Seconds, peak resident MB of all the processes of ``newsclean run source``, and its exit code."""
    start = time.perf_counter()
    process = subprocess.Popen([*NEWSCLEAN, "run", str(source), "--out", str(out), "-q"])
    peak = [0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], sum(resident_kb(p) for p in [process.pid, *descendants(process.pid)]))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return time.perf_counter() - start, peak[0] // 1024, process.returncode


def write_jsonl(path: Path, texts) -> int:
    with path.open("w", encoding="utf-8") as f:
        n = 0
        for n, text in enumerate(texts, 1):
            f.write(json.dumps({"id": f"d{n}", "text": text}, ensure_ascii=False) + "\n")
    return n


def linearity(text: str, tmp: Path, scale: int) -> None:
    print("1. lines of 90 characters cut mid-sentence, a blank line between them")
    print(f"   {'lines':>6}{'repair s':>10}{'s/1k lines':>12}{'run s':>8}{'exit':>6}")
    for lines in (1000 // scale, 2000 // scale, 4000 // scale, 8000 // scale):
        document = cut_lines(text, lines)
        seconds = repair_seconds(document)
        source = tmp / f"lines{lines}.jsonl"
        write_jsonl(source, [document])
        whole, _, code = run(source, tmp / f"out{lines}")
        print(f"   {lines:>6}{seconds:>10.2f}{seconds * 1000 / lines:>12.2f}{whole:>8.1f}{code:>6}", flush=True)


def small_documents(text: str, tmp: Path, scale: int) -> None:
    rng, count = random.Random(2), 200_000 // scale
    source = tmp / "small.jsonl"
    write_jsonl(source, ("".join(text[s:s + 60] for s in (rng.randrange(len(text) - 60) for _ in range(3)))
                         for _ in range(count)))
    seconds, peak, code = run(source, tmp / "out-small")
    print(f"2. {count:,} small documents ({source.stat().st_size / 1e6:.0f} MB): {seconds:.1f} s, "
          f"peak RSS {peak} MB, exit {code}", flush=True)
    if code == 0:
        timings = json.loads((tmp / "out-small" / "stats.json").read_text(encoding="utf-8"))["timings"]
        print("   wall seconds by step: " + ", ".join(
            f"{step} {timings[step]:.1f} ({timings[step] / timings['total']:.0%})"
            for step in ("process", "cluster", "write") if step in timings), flush=True)


def one_huge_document(text: str, tmp: Path, scale: int) -> None:
    rng, limit = random.Random(3), 200_000_000 // scale
    corpus = [p for p in text.split("\n") if p.strip()]
    paragraphs, size = [], 0
    while size < limit:
        paragraphs.append("".join(rng.choices(corpus, k=3)))
        size += len(paragraphs[-1].encode("utf-8")) + 1
    source = tmp / "huge.jsonl"
    write_jsonl(source, ["\n".join(paragraphs)])
    del paragraphs
    seconds, peak, code = run(source, tmp / "out-huge")
    print(f"3. one document of {source.stat().st_size / 1e6:.0f} MB ({size // 1_000_000} MB of text): "
          f"{seconds:.1f} s, peak RSS {peak} MB, exit {code}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a quarter of each size")
    parser.add_argument("--parts", default="1,2,3", help="which parts to run (comma-separated)")
    args = parser.parse_args()
    scale, parts = 4 if args.quick else 1, set(args.parts.split(","))
    text = corpus_text()
    with tempfile.TemporaryDirectory() as tmp:
        for part, measure in (("1", linearity), ("2", small_documents), ("3", one_huge_document)):
            if part in parts:
                measure(text, Path(tmp), scale)


if __name__ == "__main__":
    main()
