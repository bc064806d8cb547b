"""Fingerprinting and index speed, measured side by side in one run.

    python benchmarks/dedup_speed.py [--sizes 10000,100000,1000000]

1. Fingerprint throughput on paragraphs of ../shared/corpus (5-gram shingles, 128 permutations):
   newsclean's bulk numpy signatures, datasketch's naive loop (one MinHash, one update per
   shingle) and rensa (a Rust MinHash; installed for this benchmark only, skipped if missing).
   newsclean is timed on one core and on both cores (two processes, each half the paragraphs).
2. The candidate index against datasketch's MinHashLSH: bytes per paragraph, at each size
   (paragraphs are corpus paragraphs with random edits, so sizes past the corpus stay realistic),
   with the time to fingerprint, band and pair them, and the peak RSS.
3. The whole `newsclean run` on ~5,000 damaged news documents (the project's damage simulator over
   the corpus, with republished copies) against datasketch's naive loop for fingerprints and LSH
   alone on the same documents.
"""
from __future__ import annotations

import argparse
import random
import resource
import subprocess
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from common import NEWSCLEAN, best_of, damaged_corpus, read_texts, shared
from datasketch import MinHash, MinHashLSH

from newsclean.dedup import Fingerprinter, comparison_key
from newsclean.dedup.lsh import band_hashes, candidate_pairs

NGRAM, NUM_PERM, BANDS, ROWS = 5, 128, 32, 4


def corpus_paragraphs() -> list[str]:
    return [p for t in read_texts(shared("corpus/news.jsonl")) for p in t.split("\n") if len(p) >= 10]


def shingles(key: str) -> list[str]:
    return [key[i:i + NGRAM] for i in range(len(key) - NGRAM + 1)]


def naive_datasketch(keys: list[str]) -> list[MinHash]:
    out = []
    for key in keys:
        m = MinHash(num_perm=NUM_PERM)
        for s in shingles(key):
            m.update(s.encode("utf-8"))
        out.append(m)
    return out


def rensa_signatures(keys: list[str]):
    from rensa import RMinHash
    out = []
    for key in keys:
        m = RMinHash(num_perm=NUM_PERM, seed=1)
        m.update(shingles(key))
        out.append(m.digest())
    return out


def _ours(keys: list[str]) -> int:
    return len(Fingerprinter(NGRAM, NUM_PERM).signatures(keys))


def fingerprint_throughput(keys: list[str]) -> None:
    print(f"1. fingerprints of {len(keys)} corpus paragraphs ({sum(map(len, keys)) / len(keys):.0f} "
          f"characters on average), paragraphs/s:")
    rows = [("newsclean, 1 core", len(keys) / best_of(3, lambda: _ours(keys)))]
    with ProcessPoolExecutor(2) as pool:
        halves = [keys[: len(keys) // 2], keys[len(keys) // 2:]]
        list(pool.map(_ours, halves))  # start and warm both workers before timing
        seconds = best_of(3, lambda: list(pool.map(_ours, halves)))
        rows.append(("newsclean, 2 cores (2 processes)", len(keys) / seconds))
    sample = keys[:1000]
    start = time.perf_counter()
    naive_datasketch(sample)
    rows.append(("datasketch naive loop, 1 core", len(sample) / (time.perf_counter() - start)))
    try:
        rows.append(("rensa RMinHash, 1 core", len(keys) / best_of(3, lambda: rensa_signatures(keys))))
    except ImportError:
        rows.append(("rensa (not installed: pip install rensa)", float("nan")))
    for name, rate in rows:
        print(f"   {name:<42}{rate:>12,.0f}")


def edited_keys(base: list[str], count: int, rng: random.Random) -> list[str]:
    out = []
    while len(out) < count:
        key = base[rng.randrange(len(base))]
        cut = rng.randrange(len(key))
        out.append(key[:cut] + chr(0x4E00 + rng.randrange(20000)) + key[cut + 1:])
    return out


def index_memory(base: list[str], sizes: list[int]) -> None:
    print("2. candidate index: bytes per paragraph (band hashes; datasketch MinHashLSH for comparison)")
    print(f"   {'paragraphs':>12}{'index B/para':>14}{'seconds':>10}{'pairs':>10}{'peak RSS MB':>13}{'MinHashLSH B/para':>19}")
    rng = random.Random(0)
    for size in sizes:
        keys = edited_keys(base, size, rng)
        start = time.perf_counter()
        signatures = Fingerprinter(NGRAM, NUM_PERM).signatures(keys)
        hashes = band_hashes(signatures, BANDS, ROWS)
        del signatures
        pairs = candidate_pairs(hashes.T)
        seconds = time.perf_counter() - start
        per = hashes.nbytes / size
        lsh_bytes = minhashlsh_bytes(keys[:2000]) if size == sizes[0] else float("nan")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"   {size:>12,}{per:>14.0f}{seconds:>10.1f}{len(pairs):>10,}{rss:>13,.0f}{lsh_bytes:>19,.0f}")


def minhashlsh_bytes(keys: list[str]) -> float:
    """Memory that datasketch's MinHashLSH holds per entry, measured with tracemalloc."""
    import tracemalloc
    signatures = Fingerprinter(NGRAM, NUM_PERM).signatures(keys)
    fp = Fingerprinter(NGRAM, NUM_PERM)
    lean = [fp.lean(s) for s in signatures]
    tracemalloc.start()
    lsh = MinHashLSH(threshold=0.6, num_perm=NUM_PERM)
    with lsh.insertion_session() as session:
        for i, m in enumerate(lean):
            session.insert(i, m)
    size, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return size / len(keys)


def whole_run(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "damaged.jsonl"
        damaged_corpus(source, count)
        texts = read_texts(source)
        mb = source.stat().st_size / 1e6
        start = time.perf_counter()
        subprocess.run([*NEWSCLEAN, "run", str(source), "--out", str(Path(tmp) / "out"), "-q"], check=True)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        keys = [comparison_key(t) for t in texts]
        minhashes = naive_datasketch(keys)
        lsh = MinHashLSH(threshold=0.6, num_perm=NUM_PERM)
        for i, m in enumerate(minhashes):
            lsh.insert(str(i), m)
        for m in minhashes:
            lsh.query(m)
        naive = time.perf_counter() - start
    print(f"3. {count} damaged documents ({mb:.1f} MB):")
    print(f"   newsclean run (read, normalise, repair, dedup, write)  {ours:7.1f} s  "
          f"{count / ours:7.0f} docs/s  {mb / ours:5.2f} MB/s")
    print(f"   datasketch naive loop, fingerprints + LSH only        {naive:7.1f} s  {count / naive:7.0f} docs/s")
    print(f"   ratio: newsclean takes {ours / naive:.2f} of the naive loop's time (target: at most 0.20)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--documents", type=int, default=5000)
    args = parser.parse_args()
    paragraphs = corpus_paragraphs()
    keys = [k for k in (comparison_key(p) for p in paragraphs) if len(k) >= NGRAM]
    fingerprint_throughput(keys)
    index_memory(keys, [int(s) for s in args.sizes.split(",")])
    whole_run(args.documents)


if __name__ == "__main__":
    main()
