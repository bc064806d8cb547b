"""How often LSH finds a pair at each similarity, for the bands each threshold gives.

    python benchmarks/lsh_recall.py [--pairs 200]

For the default --threshold 0.6 and for 0.3, 0.5 and 0.8, the bands and rows newsclean
derives (newsclean.dedup.lsh.lsh_bands), then for each Jaccard similarity s from 0.1 to 1.0
the probability that a pair at s shares a band: analytic, 1 - (1 - s^r)^b, and measured on
pairs of random Han texts of 1,000 characters built at s (benchmarks/similar_pairs.py), fingerprinted and banded
as a run does.  A pair LSH does not find is never verified: it is lost.
"""
from __future__ import annotations

import argparse

import numpy as np
from similar_pairs import jaccard, pairs_at

from newsclean.dedup import DedupOptions, Fingerprinter
from newsclean.dedup.lsh import band_hashes, found_probability

THRESHOLDS = [0.6, 0.3, 0.5, 0.8]  # the default first
SIMILARITIES = [round(0.1 * i, 1) for i in range(1, 11)]
#: Characters a text: long enough for the built pairs to sit within 0.001 of each similarity.
LENGTH = 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=int, default=200, help="pairs built at each similarity")
    count = parser.parse_args().pairs
    options = [DedupOptions(threshold=t) for t in THRESHOLDS]
    fingerprinter = Fingerprinter(options[0].ngram, options[0].num_perm)
    heads = [f"--threshold {o.threshold}{' (default)' if o.threshold == DedupOptions.threshold else ''}: "
             f"{o.bands} × {o.rows}" for o in options]
    print(f"Found: analytic / measured on {count} pairs a row.\n")
    print("| similarity s (measured) | " + " | ".join(heads) + " |")
    print("|---" * (len(heads) + 1) + "|")
    for s in SIMILARITIES:
        pairs = pairs_at(s, count, length=LENGTH)
        measured = np.mean([jaccard(a, b, fingerprinter) for a, b in pairs])
        signatures = fingerprinter.signatures([text for pair in pairs for text in pair])
        cells = []
        for o in options:
            hashes = band_hashes(signatures, o.bands, o.rows)
            found = (hashes[0::2] == hashes[1::2]).any(axis=1).mean()
            cells.append(f"{found_probability(s, o.bands, o.rows):.3f} / {found:.3f}")
        print(f"| {s:.1f} ({measured:.3f}) | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
