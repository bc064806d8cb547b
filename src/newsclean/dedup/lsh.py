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
"""
from __future__ import annotations

from typing import Iterable

import numpy as np

_BASE = np.uint64(0x9E3779B97F4A7C15)


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
