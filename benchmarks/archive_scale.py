"""Archive index at scale: time to add, query throughput and memory, by archive size.

    python benchmarks/archive_scale.py [--sizes 10000,100000,1000000]

Documents are built from ../shared/corpus text: six paragraphs each, every paragraph four random
30-character slices of the corpus, so archived documents are mostly distinct as in a real archive.
They are added to an SQLite archive in batches of 5,000.  Then 1,000 documents are looked up, half
of them edited copies of archived ones: candidates from the bucket table, verified on the stored
keys, as `newsclean run --index` does.  Peak RSS shows memory stays bounded while the archive grows
on disk.
"""
from __future__ import annotations

import argparse
import math
import random
import resource
import tempfile
import time
from pathlib import Path

from common import corpus_text, slice_article

from newsclean.dedup import DedupOptions, Deduplicator
from newsclean.dedup.archive import open_archive
from newsclean.document import Document

BATCH = 5000


def documents(text: str, count: int, rng: random.Random, prefix: str) -> list[Document]:
    return [Document(id=f"{prefix}{n}", text=slice_article(text, rng), source=f"{prefix}.jsonl:{n + 1}")
            for n in range(count)]


def edited_copy(doc: Document, rng: random.Random, name: str) -> Document:
    text = doc.text
    cut = rng.randrange(len(text))
    return Document(id=name, text=text[:cut] + "某" + text[cut + 1:], source=f"{name}.jsonl:1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="10000,100000")
    args = parser.parse_args()
    base = corpus_text()
    rng = random.Random(0)
    print(f"{'archived docs':>14}{'add docs/s':>12}{'query docs/s':>14}{'copies found':>13}"
          f"{'archive MB':>12}{'peak RSS MB':>13}")
    for size in [int(s) for s in args.sizes.split(",")]:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "archive.sqlite"
            options = DedupOptions()
            add_seconds = 0.0
            sample: list[Document] = []
            with open_archive(path, options.settings) as archive:
                for start in range(0, size, BATCH):
                    batch = documents(base, min(BATCH, size - start), rng, f"a{start}-")
                    sample += rng.sample(batch, min(len(batch), math.ceil(500 * BATCH / size)))
                    begin = time.perf_counter()
                    dedup = Deduplicator(options)
                    dedup.fingerprint(batch)  # as `newsclean index add` does
                    dedup.remember(archive, "2026-01-01T00:00:00+00:00")
                    add_seconds += time.perf_counter() - begin
                queries = documents(base, 500, rng, "q") + [edited_copy(d, rng, f"c{i}")
                                                             for i, d in enumerate(sample[:500])]
                begin = time.perf_counter()
                clusters = Deduplicator(options).run(queries, archive)
                query_seconds = time.perf_counter() - begin
                matches = sum(1 for c in clusters if c.level == "document"
                              and any(m.archived for m in c.members))
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"{size:>14,}{size / add_seconds:>12,.0f}{1000 / query_seconds:>14,.0f}{matches:>9,}/500"
                  f"{path.stat().st_size / 1e6 if path.exists() else 0:>12,.0f}{rss:>13,.0f}")


if __name__ == "__main__":
    main()
