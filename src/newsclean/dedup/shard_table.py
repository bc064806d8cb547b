"""The fingerprints of a run's shards, read from the work folder only where they are needed.

A :class:`~newsclean.dedup.prints.PrintTable` holds every paragraph's offsets
and document number in memory, about 40 bytes a paragraph.  A Ray task that
verifies pairs or builds clusters (:mod:`~newsclean.dedup.band_shuffle`,
:mod:`~newsclean.dedup.ray_cluster`) touches only the paragraphs and documents
of its group.  A ``ShardTable`` holds nothing a paragraph: it reads those it is
asked to :meth:`~ShardTable.prefetch`, each shard's files once, and keeps them
until :meth:`~ShardTable.forget`; tasks read them in batches
(:func:`read_batches`), so a task's memory does not grow with its group.

>>> import tempfile, pathlib
>>> from newsclean.document import Document
>>> from newsclean.shards import Shard, process_shard
>>> from newsclean.options import RunOptions
>>> from newsclean.spool import Spool
>>> spool = Spool.open(pathlib.Path(tempfile.mkdtemp()), {}, resume=False)
>>> for n, text in enumerate(["临颍县\\n近年来，临颍县始终坚持围绕发展抓党建。", "舞阳县强力实施基层党建助力脱贫攻坚工程。"]):
...     spool.save(process_shard(RunOptions(), Shard(n, [Document(f"d{n}", text)])))
>>> table = ShardTable(spool, shard_bases([spool.summary(n)[2] for n in range(2)]))
>>> table.documents, table.items, table.doc_of(1), table.id(1), table.item_key(1)
(2, 2, 1, 'd1', '舞阳县强力实施基层党建助力脱贫攻坚工程')
"""
from __future__ import annotations

import functools
from typing import Iterable, Iterator, Sequence

import numpy as np

from ..document import Document
from .prints import ShardReader, locate, shard_bases  # noqa: F401  (shard_bases: for the example)


#: Paragraphs or documents a Ray task reads at once before it forgets them: bounds a task's
#: memory (about 3 KB a document's key) whatever its shuffle group holds.
READ_BATCH = 1 << 14
#: Shards whose fingerprint arrays (about 200 KB for 500 news articles) a process keeps, for
#: every table and task that reads the same run's shards (a worker runs many tasks): 256,000
#: documents' worth, about 100 MB at most.
PRINTS_KEPT = 512


def read_batches(sizes: Sequence[int], limit: int) -> Iterator[range]:
    """Consecutive ranges of units (pairs, clusters) that ask for at most ``limit`` paragraphs
    or documents together, ``sizes`` being what each unit asks for; a unit larger than
    ``limit`` is a range of its own.

    >>> list(read_batches([2, 2, 2, 5, 1], limit=4))
    [range(0, 2), range(2, 3), range(3, 4), range(4, 5)]
    """
    start, total = 0, 0
    for n, size in enumerate(sizes):
        if total and total + size > limit:
            yield range(start, n)
            start, total = n, 0
        total += size
    if start < len(sizes):
        yield range(start, len(sizes))


class ShardTable:
    """Items and documents of the shards ``reader`` reads, numbered by ``bases``
    (:func:`~newsclean.dedup.prints.shard_bases`), read on demand and kept until
    :meth:`forget`."""

    def __init__(self, reader: ShardReader, bases: np.ndarray):
        self.shard_bases = bases
        self._reader = reader
        self._prints = functools.partial(_prints, reader)
        self._items: dict[int, tuple[int, int, str]] = {}
        self._docs: dict[int, tuple[str, str]] = {}

    def forget(self) -> None:
        """Let go of the items and documents read so far (a task reading batch after batch)."""
        self._items.clear()
        self._docs.clear()

    @property
    def documents(self) -> int:
        return int(self.shard_bases[-1, 0])

    @property
    def items(self) -> int:
        return int(self.shard_bases[-1, 1])

    def prefetch(self, items: Iterable[int]) -> None:
        """Read ``items`` and their documents, shard by shard, each shard's files once."""
        wanted = np.unique(np.fromiter(items, dtype=np.int64))
        wanted = wanted[[int(i) not in self._items for i in wanted]] if len(wanted) else wanted
        for shard, here in _by_shard(self.shard_bases[:, 1], wanted):
            first_doc, first_item = (int(x) for x in self.shard_bases[shard, :2])
            prints = self._prints(shard)
            local = here - first_item
            docs = (prints.item_doc[local] + first_doc).tolist()
            for item, doc, paragraph, (offset, size) in zip(here.tolist(), docs, prints.item_paragraph[local].tolist(),
                                                            prints.item_keys[local].tolist()):
                self._items[item] = (doc, paragraph, prints.blob[offset:offset + size].decode("utf-8"))
            self._read_documents(shard, prints, docs)

    def prefetch_documents(self, docs: Iterable[int]) -> None:
        """Read the ids and keys of documents ``docs``, shard by shard."""
        for shard, here in _by_shard(self.shard_bases[:, 0], np.unique(np.fromiter(docs, dtype=np.int64))):
            self._read_documents(shard, self._prints(shard), here.tolist())

    def _read_documents(self, shard: int, prints, docs: Iterable[int]) -> None:
        first_doc = int(self.shard_bases[shard, 0])
        for doc in {d for d in docs if d not in self._docs}:
            offset, size = prints.doc_keys[doc - first_doc].tolist()
            self._docs[doc] = (prints.ids[doc - first_doc], prints.blob[offset:offset + size].decode("utf-8"))

    def document(self, number: int) -> Document:
        """Document ``number`` of the run as processed, read from the work folder."""
        return self._reader.document(*locate(self.shard_bases, number))

    def _item(self, item: int) -> tuple[int, int, str]:
        if item not in self._items:
            self.prefetch([item])
        return self._items[item]

    def doc_of(self, item: int) -> int:
        return self._item(item)[0]

    def paragraph_of(self, item: int) -> int:
        return self._item(item)[1]

    def item_key(self, item: int) -> str:
        return self._item(item)[2]

    def id(self, doc: int) -> str:
        return self._docs[doc][0]

    def doc_key(self, doc: int) -> str:
        return self._docs[doc][1]


def _by_shard(firsts: np.ndarray, numbers: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """``(shard, its numbers)`` for the sorted ``numbers`` (of documents or items), each
    shard's first number being in ``firsts``.

    >>> [(shard, here.tolist()) for shard, here in _by_shard(np.array([0, 2, 5, 9]), np.array([1, 5, 6]))]
    [(0, [1]), (2, [5, 6])]
    """
    shards = np.searchsorted(firsts, numbers, side="right") - 1
    starts = np.flatnonzero(np.concatenate(([True], shards[1:] != shards[:-1]))) if len(shards) else shards
    for start, stop in zip(starts.tolist(), np.append(starts[1:], len(shards)).tolist()):
        yield int(shards[start]), numbers[start:stop]


#: The shards' fingerprint arrays this process keeps, by (reader, shard): one reader's at a time.
_kept: dict[tuple, object] = {}


def _prints(reader: ShardReader, shard: int):
    """Shard ``shard``'s fingerprint arrays, read once a process for each ``reader`` that is
    equal (a :class:`~newsclean.spool.Spool` is the same spool in every task of its run).
    The first :data:`PRINTS_KEPT` shards read are kept, and no more: tasks read the shards in
    order, again and again, where a least-recently-used cache smaller than the run would keep
    none.  Another reader's first read lets go of the last reader's shards."""
    key = (reader, shard)
    if key in _kept:
        return _kept[key]
    prints = reader.prints(shard)
    if _kept and next(iter(_kept))[0] != reader:
        _kept.clear()
    if len(_kept) < PRINTS_KEPT:
        _kept[key] = prints
    return prints
