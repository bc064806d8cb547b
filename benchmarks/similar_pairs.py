"""Pairs of texts at a chosen Jaccard similarity of their character n-grams, to measure how
often LSH finds pairs at a similarity (benchmarks/lsh_recall.py, tests/test_lsh.py).

Each pair is two random Han texts ending in the same run of characters, as long as
makes the pair's Jaccard the similarity wanted, or just above:

>>> from newsclean.dedup import Fingerprinter
>>> (a, b), = pairs_at(0.3, 1)
>>> len(a), len(b), a[-49:] == b[-49:], round(jaccard(a, b, Fingerprinter()), 3)
(100, 100, True, 0.306)
"""
from __future__ import annotations

import math

import numpy as np


def pairs_at(similarity: float, count: int, length: int = 100, ngram: int = 5,
             seed: int = 17) -> list[tuple[str, str]]:
    """``count`` pairs of random Han texts of ``length`` characters whose ``ngram`` Jaccard
    is ``similarity`` or just above."""
    rng = np.random.default_rng(seed)
    han = lambda n: "".join(map(chr, rng.integers(0x4E00, 0x9FFF, n)))  # noqa: E731
    # (shared - k) / (2 * (length - shared) + shared - k) = similarity, with k = ngram - 1
    k = ngram - 1
    shared = min(length, math.ceil((similarity * (2 * length - k) + k) / (1 + similarity)))
    return [(han(length - shared) + common, han(length - shared) + common)
            for common in (han(shared) for _ in range(count))]


def jaccard(a: str, b: str, fingerprinter) -> float:
    """The exact Jaccard of the n-gram sets of ``a`` and ``b``, hashed as ``fingerprinter`` hashes them."""
    x, y = fingerprinter.shingles(a), fingerprinter.shingles(b)
    return len(np.intersect1d(x, y)) / len(np.union1d(x, y))
