"""Fingerprints of documents, as plain arrays: computed per shard, clustered together.

The ``fingerprint`` stage is a pure function of one document: the comparison
keys of its paragraphs and the LSH band hashes of those long enough.  It runs
next to normalisation and repair, in worker processes or on Ray, and its
result for a shard of documents is a :class:`Prints`: numpy arrays and one
byte blob of UTF-8 keys, cheap to pickle, save and load.  A :class:`PrintTable`
puts the shards together for clustering.  In memory it keeps about 40 bytes a
paragraph.  For a run's shards, saved to disk, the keys and band hashes stay
in their files: keys are read only when a candidate pair is verified, and band
hashes one band at a time (4 bytes a paragraph), as LSH needs them.

>>> from newsclean.document import Document
>>> from newsclean.dedup import DedupOptions
>>> prints = Prints.of([Document("a", "临颍县近年来始终坚持围绕发展抓党建\\n短")], DedupOptions())
>>> table = PrintTable([prints])
>>> table.ids, table.items, table.item_key(0), table.doc_key(0)
(['a'], 1, '临颍县近年来始终坚持围绕发展抓党建', '临颍县近年来始终坚持围绕发展抓党建短')
>>> table.band_count, table.band(0).shape
(32, (1,))
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Protocol, Sequence

import numpy as np

from ..document import Document
from ..io.files import read_at
from .fingerprint import Fingerprinter
from .key import comparison_key
from .lsh import band_hashes

#: The paragraph number of an item that stands for a whole document (one with no paragraph
#: long enough to compare on its own).
WHOLE = -1


@dataclass
class Prints:
    """Fingerprints of a shard of documents.

    ``doc_keys`` and ``item_keys`` are ``(offset, length)`` byte ranges of ``blob``; an item's
    key lies inside its document's key.  ``long`` marks the items that were fingerprinted
    (keys of ``ngram`` characters or more), and ``bands`` holds their band hashes, in order:
    an (items, bands) array, or a :class:`BandFile` once saved.
    """

    ids: list[str]
    sources: list[str]
    doc_keys: np.ndarray
    item_doc: np.ndarray
    item_paragraph: np.ndarray
    item_keys: np.ndarray
    long: np.ndarray
    bands: "np.ndarray | BandFile"
    blob: "bytes | KeyFile"

    @classmethod
    def of(cls, docs: Sequence[Document], options, fingerprinter: Fingerprinter | None = None) -> "Prints":
        """Fingerprint ``docs`` with ``options`` (a :class:`~newsclean.dedup.DedupOptions`)."""
        fingerprinter = fingerprinter or Fingerprinter(options.ngram, options.num_perm)
        blob = bytearray()
        doc_keys, item_doc, item_paragraph, item_keys, long_keys = [], [], [], [], []
        for d, doc in enumerate(docs):
            start = len(blob)
            spans = []
            for p, text in enumerate(doc.paragraphs):
                key = comparison_key(text)
                encoded = key.encode("utf-8")
                spans.append((p, key, len(blob), len(encoded)))
                blob += encoded
            doc_keys.append((start, len(blob) - start))
            chosen = [s for s in spans if len(s[1]) >= options.min_chars]
            if not chosen and len(blob) > start:
                chosen = [(WHOLE, "".join(s[1] for s in spans), start, len(blob) - start)]
            for p, key, offset, size in chosen:
                item_doc.append(d)
                item_paragraph.append(p)
                item_keys.append((offset, size))
                long_keys.append(key if len(key) >= options.ngram else None)
        long = np.array([k is not None for k in long_keys], dtype=bool)
        signatures = fingerprinter.signatures([k for k in long_keys if k is not None])
        return cls(
            ids=[d.id for d in docs], sources=[d.source for d in docs],
            doc_keys=np.array(doc_keys, dtype=np.int64).reshape(-1, 2),
            item_doc=np.array(item_doc, dtype=np.int32), item_paragraph=np.array(item_paragraph, dtype=np.int32),
            item_keys=np.array(item_keys, dtype=np.int64).reshape(-1, 2), long=long,
            bands=band_hashes(signatures, options.bands, options.rows), blob=bytes(blob))

    @property
    def paragraphs(self) -> int:
        return len(self.item_doc)

    @property
    def sizes(self) -> tuple[int, int, int]:
        """Documents, items, and fingerprinted items."""
        return len(self.ids), len(self.item_doc), int(self.long.sum())

    def save(self, folder: Path) -> None:
        """Write to ``folder``: ``prints.npz``, ``keys.bin``, and ``bands.bin`` (the band
        hashes band after band, so that one band is one contiguous read)."""
        (folder / "keys.bin").write_bytes(self.blob)
        (folder / "bands.bin").write_bytes(np.ascontiguousarray(np.asarray(self.bands, dtype=np.uint32).T).tobytes())
        np.savez(folder / "prints.npz", ids=np.array(self.ids, dtype=object),
                 sources=np.array(self.sources, dtype=object), doc_keys=self.doc_keys, item_doc=self.item_doc,
                 item_paragraph=self.item_paragraph, item_keys=self.item_keys, long=self.long)

    @classmethod
    def load(cls, folder: Path) -> "Prints":
        """Read what :meth:`save` wrote, except the keys and band hashes: they are read from
        disk when asked for."""
        with np.load(folder / "prints.npz", allow_pickle=True) as arrays:
            fields = {name: arrays[name] for name in arrays.files}
        bands = BandFile(folder / "bands.bin", int(fields["long"].sum()))
        return cls(ids=fields.pop("ids").tolist(), sources=fields.pop("sources").tolist(),
                   blob=KeyFile(folder / "keys.bin"), bands=bands, **fields)


class KeyFile:
    """A shard's keys on disk, sliced like ``bytes``: each slice is one ``pread``
    (:func:`~newsclean.io.files.read_at`), so keys stay in the page cache and out of the
    process's memory (a memory map would count every page read as the process's own)."""

    def __init__(self, path: Path):
        self._path = path
        self._size = path.stat().st_size

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, span: slice) -> bytes:
        return read_at(self._path, span.start, span.stop - span.start)


def shard_bases(sizes: Sequence[tuple[int, int, int]]) -> np.ndarray:
    """Row ``n``: the numbers, in the run, of shard ``n``'s first document, item and
    fingerprinted item, from the shards' :attr:`Prints.sizes`; the last row holds the totals.

    >>> shard_bases([(2, 5, 4), (1, 1, 0)]).tolist()
    [[0, 0, 0], [2, 5, 4], [3, 6, 4]]
    """
    return np.cumsum([(0, 0, 0)] + [tuple(s) for s in sizes], axis=0, dtype=np.int64).reshape(-1, 3)


def locate(bases: np.ndarray, number: int, column: int = 0) -> tuple[int, int]:
    """The shard holding document (``column`` 0) or item (``column`` 1) ``number`` of the
    run, and its index in that shard, from the :func:`shard_bases` ``bases``.

    >>> locate(shard_bases([(2, 5, 4), (0, 0, 0), (1, 1, 0)]), 2)
    (2, 0)
    """
    shard = int(np.searchsorted(bases[:, column], number, side="right")) - 1
    return shard, number - int(bases[shard, column])


class BandFile:
    """A shard's band hashes on disk, indexed like the (items, bands) array they were:
    ``bands[:, b]`` is one band (one ``pread``), ``np.asarray(bands)`` all of them."""

    def __init__(self, path: Path, rows: int):
        self._path, self._rows = path, rows
        self.shape = (rows, path.stat().st_size // (4 * rows) if rows else 0)

    def __getitem__(self, index: tuple[slice, int]) -> np.ndarray:
        rows, band = index
        if rows != slice(None) or not isinstance(band, int):
            raise IndexError("a BandFile gives whole bands: bands[:, b]")
        size = 4 * self._rows
        return np.frombuffer(read_at(self._path, band * size, size), dtype=np.uint32)

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        matrix = np.fromfile(self._path, dtype=np.uint32).reshape(self.shape[1], self._rows).T
        return matrix if dtype is None else matrix.astype(dtype)


class FingerprintTable(Protocol):
    """What clustering reads of a run's fingerprints, by document and item number: a whole
    :class:`PrintTable`, a :class:`~newsclean.dedup.shard_table.ShardTable` reading them on
    demand, or a :class:`~newsclean.dedup.deduplicator.View` adding the archive's."""

    @property
    def documents(self) -> int: ...

    @property
    def items(self) -> int: ...

    def id(self, doc: int) -> str: ...

    def doc_key(self, doc: int) -> str: ...

    def doc_of(self, item: int) -> int: ...

    def paragraph_of(self, item: int) -> int: ...

    def item_key(self, item: int) -> str: ...


class ShardReader(Protocol):
    """Where clustering reads a run's saved shards: each shard's fingerprints, and one
    processed document of a shard (its id, text and source) for a cluster's members.  It
    must pickle, as Ray tasks read through it (the run's work folder is one)."""

    def prints(self, shard: int) -> Prints: ...

    def document(self, shard: int, index: int) -> Document: ...


class PrintTable:
    """The fingerprints of a whole run, shard after shard, with global document and item
    numbers: document ``d`` is the ``d``-th document of the run."""

    def __init__(self, shards: Sequence[Prints]):
        self._gather([s.sizes for s in shards], shards.__getitem__)

    @classmethod
    def gather(cls, sizes: Sequence[tuple[int, int, int]], load: Callable[[int], Prints]) -> "PrintTable":
        """The table of shards ``load(0)``, ``load(1)``, … whose :attr:`Prints.sizes` are
        ``sizes``: each shard is copied into place and let go, so the peak is the table, not
        the table twice."""
        table = cls.__new__(cls)
        table._gather(sizes, load)
        return table

    def _gather(self, sizes: Sequence[tuple[int, int, int]], load: Callable[[int], Prints]) -> None:
        self.shard_bases = shard_bases(sizes)
        docs, items, long = self.shard_bases.T
        self.ids, self.sources, self._blobs = [], [], []
        self._blob_base = np.zeros(len(sizes) + 1, dtype=np.int64)
        self.doc_keys = np.zeros((docs[-1], 2), dtype=np.int64)
        self.item_keys = np.zeros((items[-1], 2), dtype=np.int64)
        self.item_doc = np.zeros(items[-1], dtype=np.int32)
        self.item_paragraph = np.zeros(items[-1], dtype=np.int32)
        self.long = np.zeros(long[-1], dtype=np.int64)
        self._bands: list[np.ndarray | BandFile] = []
        for n in range(len(sizes)):
            shard = load(n)
            base = self._blob_base[n]
            self._blob_base[n + 1] = base + len(shard.blob)
            self._blobs.append(shard.blob)
            self.ids += shard.ids
            self.sources += shard.sources
            self.doc_keys[docs[n]:docs[n + 1]] = shard.doc_keys + [base, 0]
            self.item_keys[items[n]:items[n + 1]] = shard.item_keys + [base, 0]
            self.item_doc[items[n]:items[n + 1]] = shard.item_doc + docs[n]
            self.item_paragraph[items[n]:items[n + 1]] = shard.item_paragraph
            self.long[long[n]:long[n + 1]] = np.flatnonzero(shard.long) + items[n]
            self._bands.append(shard.bands)
        self.band_count = max((b.shape[1] for b in self._bands), default=0)

    @property
    def documents(self) -> int:
        return len(self.ids)

    @property
    def items(self) -> int:
        return len(self.item_doc)

    def band(self, b: int) -> np.ndarray:
        """Band ``b``'s hashes of every fingerprinted item (``table.long``), in order: the
        only band in memory while LSH looks for candidates (there are :attr:`band_count`)."""
        if not self._bands:
            return np.zeros(0, dtype=np.uint32)
        return np.concatenate([shard[:, b] for shard in self._bands])

    def band_blocks(self) -> Iterator[tuple[int, np.ndarray]]:
        """``(first row, band hashes)`` of each shard with fingerprinted items: all their
        bands, the items numbered from ``first row`` in ``table.long``."""
        first = 0
        for shard in self._bands:
            if shard.shape[0]:
                yield first, np.asarray(shard)
            first += shard.shape[0]

    def id(self, doc: int) -> str:
        return self.ids[doc]

    def doc_of(self, item: int) -> int:
        return int(self.item_doc[item])

    def paragraph_of(self, item: int) -> int:
        return int(self.item_paragraph[item])

    def item_key(self, item: int) -> str:
        return self._read(*self.item_keys[item])

    def doc_key(self, doc: int) -> str:
        return self._read(*self.doc_keys[doc])

    def paragraph_keys(self, doc: int) -> list[tuple[int, str]]:
        """``(paragraph, key)`` of the fingerprinted items of document ``doc``."""
        lo, hi = np.searchsorted(self.item_doc, [doc, doc + 1])
        return [(int(self.item_paragraph[i]), self.item_key(i)) for i in range(lo, hi)]

    def _read(self, offset: int, size: int) -> str:
        if not size:
            return ""
        n = int(np.searchsorted(self._blob_base, offset, side="right")) - 1
        start = int(offset - self._blob_base[n])
        return self._blobs[n][start:start + int(size)].decode("utf-8")

