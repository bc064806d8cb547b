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
#: Permutations are applied to this many n-grams at a time, in one num_perm x BLOCK array (4 MB
#: at 128 permutations) allocated once a call.  Measured: numpy's multiply, add and minimum cost
#: the same per element from 8k n-grams up, L2-sized blocks (fewer permutations) gained nothing,
#: and below 8k n-grams numpy's broadcasting takes a slower path.
BLOCK = 1 << 13
#: Keys are hashed about this many characters at a time (some 40 bytes each while hashed, so the
#: arrays stay in cache), a longer key in pieces of this size: the memory of a call does not grow
#: with its keys.
BATCH_CHARS = 1 << 16


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


def _ngram_hashes(texts: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`shingle_hash` of every n-gram inside each of ``texts``, all in one array,
    and how many each text has (none when shorter than ``n``), vectorised.

    >>> hashes, counts = _ngram_hashes(["临颍县始终", "短", "abcdef"], 5)
    >>> counts.tolist(), hashes.tolist() == [shingle_hash(s) for s in ("临颍县始终", "abcde", "bcdef")]
    ([1, 0, 2], True)
    """
    joined = "".join(texts).encode("utf-32-le", "surrogatepass")  # ord() of every character
    points = np.frombuffer(joined, dtype=np.uint32).astype(np.uint64)
    count = max(len(points) - n + 1, 0)
    h = points[:count].copy()
    base = np.uint64(_PRIME)
    for j in range(1, n):
        h *= base
        h += points[j:j + count]
    halves = h.view(np.uint32).reshape(-1, 2)  # the high and low 32 bits, in either order
    folded = halves[:, 0] ^ halves[:, 1]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=len(texts))
    # an n-gram that starts in the last n - 1 characters of a text runs across its end
    inside = np.ones(count, dtype=bool)
    crossing = (np.cumsum(lengths)[:, None] - np.arange(1, n)).ravel()
    inside[crossing[(crossing >= 0) & (crossing < count)]] = False
    return folded[inside], np.maximum(lengths - n + 1, 0)


def _fmix32(h: np.ndarray) -> np.ndarray:
    """MurmurHash3's finalizer, in place."""
    s1, m1, s2, m2 = _FMIX
    h ^= h >> s1
    h *= m1
    h ^= h >> s2
    h *= m2
    h ^= h >> s1
    return h


class Fingerprinter:
    """Signatures of comparison keys: ``ngram``-character shingles, ``num_perm`` permutations."""

    def __init__(self, ngram: int = 5, num_perm: int = 128, seed: int = SEED):
        self.ngram, self.num_perm, self.seed = ngram, num_perm, seed
        a, b = permutations(num_perm, seed)
        self._a, self._b = a.astype(np.uint32)[:, None], b.astype(np.uint32)[:, None]

    def shingles(self, key: str) -> np.ndarray:
        """The distinct n-gram hashes of ``key``, sorted (empty when ``key`` is shorter than
        ``ngram``)."""
        return self.shingle_sets([key])[0]

    def shingle_sets(self, keys: Sequence[str]) -> list[np.ndarray]:
        """:meth:`shingles` of each of ``keys``, hashed many keys at a time: what a Jaccard
        similarity compares.

        >>> fp = Fingerprinter(ngram=2)
        >>> [len(s) for s in fp.shingle_sets(["abab", "a", "abc"])], fp.shingles("abc").tolist() == sorted(
        ...     shingle_hash(s) for s in ("ab", "bc"))
        ([2, 0, 2], True)
        """
        owned = []
        for rows, texts in self._batches(keys):
            hashes, counts = _ngram_hashes(texts, self.ngram)
            owned.append((np.repeat(rows.astype(np.uint64), counts) << np.uint64(32)) | hashes)
        packed = np.sort(np.concatenate(owned)) if owned else np.zeros(0, dtype=np.uint64)
        packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))] if len(packed) else packed
        bounds = np.searchsorted(packed >> np.uint64(32), np.arange(len(keys) + 1, dtype=np.uint64))
        values = packed.astype(np.uint32)  # the low 32 bits: the hashes, sorted within each key
        return [values[bounds[k]:bounds[k + 1]] for k in range(len(keys))]

    def signatures(self, keys: Sequence[str]) -> np.ndarray:
        """One row of ``num_perm`` uint32 minima per key; a key shorter than ``ngram`` gets
        the empty signature (all 2**32-1), which callers must not compare (see dedup).

        Keys are hashed in batches of about :data:`BATCH_CHARS` characters, a longer key in
        pieces, and permuted :data:`BLOCK` n-grams at a time, each block lowering the rows of
        the keys it holds.  So a call's memory is bounded whatever the length of a key: a
        5-million-character paragraph costs no more than a short one.
        """
        out = np.full((len(keys), self.num_perm), _MAX, dtype=np.uint32)
        block = np.empty((self.num_perm, BLOCK), dtype=np.uint32)
        for rows, texts in self._batches(keys):
            hashes, counts = _ngram_hashes(texts, self.ngram)
            self._lower(_fmix32(hashes), counts, rows, out, block)
        return out

    def _batches(self, keys: Sequence[str]) -> Iterator[tuple[np.ndarray, Sequence[str]]]:
        """``(rows, texts)``: runs of whole keys of about :data:`BATCH_CHARS` characters in all,
        and each longer key alone in pieces that overlap by ``ngram - 1`` characters, so that
        every n-gram is in one piece.

        >>> batches = Fingerprinter(ngram=5)._batches(["abc", "a" * (BATCH_CHARS + 10), "", "xyz"])
        >>> [(rows.tolist(), [len(text) for text in texts]) for rows, texts in batches]
        [([0], [3]), ([1], [65540]), ([1], [10]), ([2, 3], [0, 3])]
        """
        lengths = np.fromiter(map(len, keys), dtype=np.int64, count=len(keys))
        ends = np.cumsum(lengths)
        first = 0
        while first < len(keys):
            if lengths[first] > BATCH_CHARS:
                key, span = keys[first], BATCH_CHARS + self.ngram - 1
                for start in range(0, len(key) - self.ngram + 1, BATCH_CHARS):
                    yield np.array([first]), [key[start:start + span]]
                first += 1
                continue
            last = int(np.searchsorted(ends, ends[first] - lengths[first] + BATCH_CHARS, side="right"))
            yield np.arange(first, last), keys[first:last]
            first = last

    def _lower(self, hashes: np.ndarray, counts: np.ndarray, rows: np.ndarray, out: np.ndarray,
               block: np.ndarray) -> None:
        """Lower ``out[rows]`` to the minima of the permuted ``hashes``, ``counts`` of them a
        row, one :data:`BLOCK` at a time in ``block``."""
        firsts = (np.cumsum(counts) - counts)[counts > 0]  # where each row's n-grams begin
        rows = rows[counts > 0]
        for start in range(0, len(hashes), BLOCK):
            stop = min(start + BLOCK, len(hashes))
            k0 = int(np.searchsorted(firsts, start, side="right")) - 1  # the row holding start
            k1 = int(np.searchsorted(firsts, stop, side="left"))
            segments = firsts[k0:k1] - start
            segments[0] = 0
            permuted = block[:, :stop - start]
            np.multiply(self._a, hashes[start:stop], out=permuted)
            np.add(permuted, self._b, out=permuted)
            held = rows[k0:k1]
            out[held] = np.minimum(out[held], np.minimum.reduceat(permuted, segments, axis=1).T)

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
