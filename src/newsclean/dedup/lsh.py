"""Candidate pairs from banded signatures, kept in flat numpy arrays.

Each item's signature is cut into ``bands`` bands of ``rows`` values, and each
band is hashed to 32 bits.  Items that agree on a whole band are candidates.
The index holds only the band hashes (4 bytes a band: 128 bytes an item with
32 bands) and no Python object per item, where ``datasketch.MinHashLSH`` spends
several KB an entry on dictionaries and lists.  Sorting each band's hashes
groups the buckets.  A 32-bit hash lets unrelated bands collide now and then:
those are extra candidates, and verification turns them away.

>>> import numpy as np
>>> sig = np.array([[1, 2, 3, 4], [1, 2, 9, 9], [7, 7, 7, 7]], dtype=np.uint32)
>>> candidate_pairs(band_hashes(sig, bands=2, rows=2).T).tolist()
[[0, 1]]

The banding is derived from the similarity threshold, as ``datasketch.MinHashLSH``
derives it, so that pairs at the threshold are found (docs/dedup-recall.md):

>>> lsh_bands(0.6, 128), lsh_bands(0.3, 128)
((32, 4), (59, 2))
>>> round(found_probability(0.3, 59, 2), 3)
0.996
"""
from __future__ import annotations

import functools
from typing import Iterable

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)

#: The weight of a false positive against a false negative (1 - this) when choosing the bands.
#: Every candidate is verified on its exact Jaccard, so a false positive costs one comparison
#: while a false negative loses a copy for good.  At 1:99 the default threshold 0.6 gets the
#: 32 bands of 4 rows the devset chose (any weight from 0.005 to 0.019 does); datasketch's
#: equal weights give 18x7 there, which finds a pair at 0.6 40% of the time and loses 2 of
#: the devset's 60 shared paragraphs.
FALSE_POSITIVE_WEIGHT = 0.01


@functools.lru_cache(maxsize=None)
def lsh_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """``(bands, rows)`` for ``threshold``: the banding that minimises the weighted
    probability of false positives (pairs below ``threshold`` proposed) and false negatives
    (pairs above it missed), over ``bands * rows <= num_perm``.  This is
    ``datasketch.lsh._optimal_param`` (the tests compare the two), without importing
    datasketch and SciPy into every worker: the integrands are polynomials of degree
    ``bands * rows`` at most, which Gauss-Legendre quadrature with this many nodes integrates
    exactly."""
    shapes = [(b, r) for b in range(1, num_perm + 1) for r in range(1, num_perm // b + 1)]
    bands, rows = (np.array(column, dtype=float)[:, None] for column in zip(*shapes))
    nodes, weights = np.polynomial.legendre.leggauss(num_perm // 2 + 1)

    def found_between(lo: float, hi: float) -> np.ndarray:
        similarity = (hi - lo) / 2 * nodes + (hi + lo) / 2
        return (hi - lo) / 2 * (found_probability(similarity, bands, rows) @ weights)

    false_positive = found_between(0.0, threshold)
    false_negative = (1 - threshold) - found_between(threshold, 1.0)
    error = FALSE_POSITIVE_WEIGHT * false_positive + (1 - FALSE_POSITIVE_WEIGHT) * false_negative
    return shapes[int(np.argmin(error))]  # the first of equals, in datasketch's order


def found_probability(similarity, bands, rows):
    """The probability that a pair at Jaccard ``similarity`` shares a band, 1 - (1 - s^r)^b
    (numbers or numpy arrays)."""
    return 1 - (1 - similarity ** rows) ** bands


def band_hashes(signatures: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """A (items, bands) uint32 array: a hash of each band of each signature."""
    if signatures.shape[1] < bands * rows:
        raise ValueError(f"{bands} bands of {rows} rows need {bands * rows} permutations, "
                         f"not {signatures.shape[1]}")
    cut = signatures[:, :bands * rows].astype(np.uint64).reshape(len(signatures), bands, rows)
    h = np.zeros((len(signatures), bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for r in range(rows):
            h = (h ^ cut[:, :, r]) * _BASE
    return ((h >> np.uint64(32)) ^ h).astype(np.uint32)


def candidate_pairs(bands: Iterable[np.ndarray]) -> np.ndarray:
    """Distinct pairs ``(i, j)``, ``i < j``, of items sharing a band, from ``bands``: one
    array of every item's hash for each band, taken one at a time, so only one band need be
    in memory.  A pair is packed into one 64-bit integer while bands are collected, half
    the memory of two."""
    found = []
    for hashes in bands:
        order = np.argsort(hashes, kind="stable")
        found.append(np.unique(bucket_pairs(hashes[order], order.astype(np.int64))))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    packed = np.unique(np.concatenate(found))
    return np.stack([packed >> 32, packed & 0xFFFFFFFF], axis=1)


def bucket_pairs(buckets: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Each bucket's members paired with its first, packed as ``first << 32 | member``: a
    bucket of m members gives m - 1 pairs, never m².  ``buckets`` must be sorted, and the
    ``members`` (int64) of each bucket in increasing order.

    >>> bucket_pairs(np.array([4, 4, 4, 9]), np.array([1, 5, 7, 2])).tolist() == [1 << 32 | 5, 1 << 32 | 7]
    True
    """
    if not len(buckets):
        return np.zeros(0, dtype=np.int64)
    new_run = np.concatenate(([True], buckets[1:] != buckets[:-1]))
    first = members[np.flatnonzero(new_run)][np.cumsum(new_run) - 1]
    return (first[~new_run] << np.int64(32)) | members[~new_run]
