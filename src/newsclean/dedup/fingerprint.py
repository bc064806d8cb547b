"""MinHash fingerprints of character n-grams, computed in bulk with numpy.

The signatures are datasketch's own ``affine32`` MinHash: each n-gram is hashed
to 32 bits by :func:`shingle_hash`, pre-mixed with the MurmurHash3 finalizer and
permuted by ``a * h + b mod 2**32`` with datasketch's permutations for the seed.
So a fingerprint equals ``MinHash(num_perm, seed, hashfunc=shingle_hash)``
updated with the same n-grams, and loads as a ``datasketch.LeanMinHash``.
The permutations are drawn as datasketch draws them (:func:`permutations`),
because ``import datasketch`` also loads SciPy and Redis clients, 1.4 s that
every worker process would pay; the tests compare the two draws.


>>> from datasketch import MinHash
>>> fp = Fingerprinter(ngram=5, num_perm=64)
>>> key = "近年来临颍县始终坚持围绕发展抓党建"
>>> m = MinHash(num_perm=64, seed=fp.seed, hashfunc=shingle_hash)
>>> m.update_batch([key[i:i + 5] for i in range(len(key) - 4)])
>>> bool((fp.lean(fp.signatures([key])[0]).hashvalues == m.hashvalues).all())
True
"""
from __future__ import annotations

from typing import Iterator, Sequence

import numpy as np

SEED = 1
_MASK64 = (1 << 64) - 1
_PRIME = 0x100000001B3  # FNV-1a 64-bit prime: the polynomial base of the n-gram hash
_FMIX = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_MAX = np.uint32(0xFFFFFFFF)
#: Permutations are applied to about this many shingles at a time (a num_perm x CHUNK block,
#: 16 MB at 128 permutations).
CHUNK = 1 << 15
#: Keys are hashed about this many characters at a time (some 40 bytes each while hashed), a
#: long key in pieces of at most CHUNK n-grams: the memory of a call does not grow with its keys.
BATCH_CHARS = 1 << 20


def shingle_hash(shingle: str | bytes) -> int:
    """The 32-bit hash of one n-gram, as datasketch's ``hashfunc``: a polynomial over
    code points (mod 2**64), folded to 32 bits.

    >>> shingle_hash("临颍县始终") == shingle_hash(b"\\xe4\\xb8\\xb4\\xe9\\xa2\\x8d\\xe5\\x8e\\xbf\\xe5\\xa7\\x8b\\xe7\\xbb\\x88")
    True
    """
    if isinstance(shingle, bytes):
        shingle = shingle.decode("utf-8")
    h = 0
    for c in shingle:
        h = (h * _PRIME + ord(c)) & _MASK64
    return (h >> 32) ^ (h & 0xFFFFFFFF)


def _ngram_hashes(points: np.ndarray, n: int) -> np.ndarray:
    """:func:`shingle_hash` of every n-gram of a code point array, vectorised."""
    count = len(points) - n + 1
    h = np.zeros(count, dtype=np.uint64)
    base = np.uint64(_PRIME)
    for j in range(n):
        h = h * base + points[j:j + count]
    return ((h >> np.uint64(32)) ^ (h & np.uint64(0xFFFFFFFF))).astype(np.uint32)


def _points(text: str) -> np.ndarray:
    """The code points of ``text``, as uint64 for hashing."""
    return np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX
    h = h ^ (h >> s1)
    h = h * m1
    h = h ^ (h >> s2)
    h = h * m2
    return h ^ (h >> s1)


class Fingerprinter:
    """Signatures of comparison keys: ``ngram``-character shingles, ``num_perm`` permutations."""

    def __init__(self, ngram: int = 5, num_perm: int = 128, seed: int = SEED):
        self.ngram, self.num_perm, self.seed = ngram, num_perm, seed
        a, b = permutations(num_perm, seed)
        self._a, self._b = a.astype(np.uint32), b.astype(np.uint32)

    def shingles(self, key: str) -> np.ndarray:
        """The distinct n-gram hashes of ``key`` (empty when ``key`` is shorter than ``ngram``)."""
        if len(key) < self.ngram:
            return np.zeros(0, dtype=np.uint32)
        pieces = (_ngram_hashes(_points(piece), self.ngram) for _, piece in self._pieces([key]))
        return np.unique(np.concatenate(list(pieces)))

    def signatures(self, keys: Sequence[str]) -> np.ndarray:
        """One row of ``num_perm`` uint32 minima per key; a key shorter than ``ngram`` gets
        the empty signature (all 2**32-1), which callers must not compare (see dedup).

        Keys are cut into pieces of at most :data:`CHUNK` n-grams (overlapping by ``ngram - 1``
        characters) and hashed in batches of about :data:`BATCH_CHARS` characters; a key's
        minima are the minima of its pieces'.  So a call's memory is bounded whatever the
        length of a key: a 5-million-character paragraph costs no more than a short one.
        """
        out = np.full((len(keys), self.num_perm), _MAX, dtype=np.uint32)
        owners: list[int] = []
        batch: list[str] = []
        size = 0
        for owner, piece in self._pieces(keys):
            owners.append(owner)
            batch.append(piece)
            size += len(piece)
            if size >= BATCH_CHARS:
                self._fold(owners, batch, out)
                owners, batch, size = [], [], 0
        if batch:
            self._fold(owners, batch, out)
        return out

    def _pieces(self, keys: Sequence[str]) -> Iterator[tuple[int, str]]:
        """``(key index, piece)``: each key of ``ngram`` characters or more, in pieces that
        hold at most :data:`CHUNK` of its n-grams, every n-gram in one piece.

        >>> [(k, len(p)) for k, p in Fingerprinter(ngram=5)._pieces(["a" * (CHUNK + 5), "abc"])]
        [(0, 32772), (0, 5)]
        """
        span = CHUNK + self.ngram - 1
        for owner, key in enumerate(keys):
            if len(key) <= span:
                if len(key) >= self.ngram:
                    yield owner, key
                continue
            for start in range(0, len(key) - self.ngram + 1, CHUNK):
                yield owner, key[start:start + span]

    def _fold(self, owners: list[int], pieces: list[str], out: np.ndarray) -> None:
        """Lower the rows ``owners`` of ``out`` to the minima of their ``pieces`` (a key's
        pieces come in a row)."""
        minima = np.empty((len(pieces), self.num_perm), dtype=np.uint32)
        self._signatures(pieces, minima)
        owner = np.array(owners, dtype=np.int64)
        firsts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        if len(firsts) < len(owner):
            minima = np.minimum.reduceat(minima, firsts, axis=0)
        rows = owner[firsts]
        carried = out[rows[0]].copy()  # the first key may have begun in the batch before
        out[rows] = minima
        np.minimum(out[rows[0]], carried, out=out[rows[0]])

    def _signatures(self, keys: Sequence[str], out: np.ndarray) -> None:
        """The minima of ``keys`` (each with :data:`CHUNK` n-grams at most) into ``out``."""
        n = self.ngram
        lengths = np.fromiter((len(k) for k in keys), dtype=np.int64, count=len(keys))
        counts = lengths - n + 1
        points = _points("".join(keys))
        hashed = _fmix32(_ngram_hashes(points, n))
        begins = np.cumsum(lengths) - lengths
        # the n-grams inside each key: skip those that run across a key boundary
        first = np.cumsum(counts) - counts
        flat = hashed[np.repeat(begins - first, counts) + np.arange(counts.sum())]
        bounds = np.cumsum(counts)
        k0 = 0
        with np.errstate(over="ignore"):
            while k0 < len(keys):
                s0 = int(bounds[k0 - 1]) if k0 else 0
                k1 = max(int(np.searchsorted(bounds, s0 + CHUNK, side="right")), k0 + 1)
                block = np.multiply(self._a[:, None], flat[None, s0:int(bounds[k1 - 1])])
                np.add(block, self._b[:, None], out=block)
                out[k0:k1] = np.minimum.reduceat(block, first[k0:k1] - s0, axis=1).T
                k0 = k1

    def lean(self, signature: np.ndarray):
        """A signature as a datasketch ``LeanMinHash`` (datasketch 2.x, ``affine32``)."""
        from datasketch import LeanMinHash
        return LeanMinHash(seed=self.seed, hashvalues=signature, scheme="affine32")


def permutations(num_perm: int, seed: int) -> np.ndarray:
    """The ``(a, b)`` parameters of ``num_perm`` affine permutations, as
    ``datasketch.MinHash(num_perm, seed).permutations`` draws them (``affine32``): an odd
    ``a`` and any ``b``, from NumPy's ``RandomState(seed)``."""
    generator = np.random.RandomState(seed)
    a = generator.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, num_perm, dtype=np.uint32)
    return np.array([a, b])
