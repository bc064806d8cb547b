"""The ``cluster`` stage's tasks: each a pure function of a batch of rows, run wherever an
engine runs it.

The cluster stage is a chain of steps, each grouping rows by a key and handing
each group to one of these tasks.  Ray shuffles the rows into groups
(:mod:`~newsclean.dedup.ray_cluster`); the local engine groups them in the
driver and maps the tasks over its pool of workers
(:mod:`~newsclean.dedup.pool_cluster`).  Either way the tasks are the same, so
the clusters are too.  A task takes numpy columns (``group``), the run's
:class:`~newsclean.dedup.prints.ShardReader` and its shards' numbering
``bases``, and gives numpy columns.  It reads the keys and documents it needs
through a :class:`~newsclean.dedup.shard_table.ShardTable`, ``read_batch`` at a
time, so its memory does not grow with its group.

>>> import tempfile, pathlib
>>> from newsclean.document import Document
>>> from newsclean.options import RunOptions
>>> from newsclean.shards import Shard, process_shard
>>> from newsclean.spool import Spool
>>> from newsclean.dedup.prints import shard_bases
>>> spool = Spool.open(pathlib.Path(tempfile.mkdtemp()), {}, resume=False)
>>> story = "近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。"
>>> for n, text in enumerate([story, story + "又", "舞阳县强力实施基层党建助力脱贫攻坚工程。"]):
...     spool.save(process_shard(RunOptions(), Shard(n, [Document(f"d{n}", text)])))
>>> bases = shard_bases([spool.summary(n)[2] for n in range(3)])
>>> found = verified_pairs({"pair": np.array([0 << 32 | 1, 0 << 32 | 2])}, spool, bases, DedupOptions(), 16)
>>> found["a"].tolist(), found["b"].tolist(), found["similarity"].round(3).tolist()
([0], [1], [0.973])
>>> copies_among({"a": np.array([0]), "b": np.array([1])}, spool, bases, DedupOptions(), 16)["b"].tolist()
[1]
"""
from __future__ import annotations

import json
from typing import Iterable, Iterator

import numpy as np

from ..document import Flag
from .deduplicator import DedupOptions, Deduplicator, View
from .prints import ShardReader
from .shard_table import ShardTable, read_batches

#: ``kind`` of the rows :func:`document_clusters` gives.
RECORD, COPY, FLAGS = 0, 1, 2


def pair_columns(pairs: list[tuple[int, int]]) -> dict:
    """Pairs as the int64 columns ``a`` and ``b`` of a task's output."""
    return {"a": np.array([a for a, _ in pairs], dtype=np.int64), "b": np.array([b for _, b in pairs], dtype=np.int64)}


def verified_pairs(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                   read_batch: int) -> dict:
    """The distinct candidate pairs of ``group`` (column ``pair``: item numbers packed as
    ``a << 32 | b``) that pass verification (:meth:`~newsclean.dedup.Deduplicator.verify`):
    columns ``a``, ``b`` and ``similarity``, their keys read a batch of pairs at a time."""
    packed = np.unique(group["pair"])
    first, second = packed >> np.int64(32), packed & np.int64(0xFFFFFFFF)
    table = ShardTable(reader, bases)
    dedup, pairs = Deduplicator(options), {}
    for batch in read_batches([2] * len(packed), read_batch):
        table.forget()
        chosen = slice(batch.start, batch.stop)
        table.prefetch(np.concatenate([first[chosen], second[chosen]]).tolist())
        pairs.update(dedup.verify(zip(first[chosen].tolist(), second[chosen].tolist()), table.doc_of, table.item_key))
    return {**pair_columns(list(pairs)), "similarity": np.array(list(pairs.values()), dtype=np.float64)}


def document_candidates(group: dict, options: DedupOptions) -> dict:
    """The pairs of documents (columns ``a``, ``b``) of each paragraph group of ``group``
    (columns ``root``: the group, ``doc``: a paragraph's document), as
    :meth:`~newsclean.dedup.Deduplicator.document_candidates` pairs them."""
    order = np.argsort(group["root"], kind="stable")
    roots, docs = group["root"][order], group["doc"][order]
    dedup = Deduplicator(options)
    return pair_columns([pair for run in runs(roots) for pair in dedup.document_candidates(docs[run].tolist())])


def copies_among(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                 read_batch: int) -> dict:
    """The distinct candidate pairs of documents of ``group`` (columns ``a``, ``b``) that
    are copies (:meth:`~newsclean.dedup.Deduplicator.document_similarities`), with their
    ``similarity``."""
    pairs = np.unique(np.stack([group["a"], group["b"]], axis=1), axis=0).tolist()
    table = ShardTable(reader, bases)
    view, dedup = View(table), Deduplicator(options)
    found = {}
    for batch in read_batches([2] * len(pairs), read_batch):
        table.forget()
        table.prefetch_documents(d for n in batch for d in pairs[n])
        chosen = [tuple(pairs[n]) for n in batch]
        found.update((pair, j) for pair, j in zip(chosen, dedup.document_similarities(view, chosen)) if j is not None)
    return {**pair_columns(list(found)), "similarity": np.array(list(found.values()), dtype=np.float64)}


def document_clusters(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                      read_batch: int) -> dict:
    """Each document cluster of ``group`` (columns ``root``: the cluster's smallest document,
    ``node``: a member) as rows: its record (``number``: the root; ``text``: the record as
    JSON, without its id), its copies (``number``: the copy; ``text``: the id of the
    document kept) and the flags its copies give away (``number``: the document;
    ``text``: the flags as JSON), told apart by ``kind``
    (:meth:`~newsclean.dedup.Deduplicator.document_cluster`).  ``group`` may also give the
    Jaccards :func:`copies_among` found (columns ``a``, ``b``, ``similarity``, of their own
    length), which are then not computed again."""
    order = np.argsort(group["root"], kind="stable")
    roots, docs = group["root"][order], group["node"][order]
    known = dict(zip(zip(group["a"].tolist(), group["b"].tolist()), group["similarity"].tolist())) \
        if "similarity" in group else {}
    table = ShardTable(reader, bases)
    view, dedup = View(table), Deduplicator(options)
    kinds, numbers, texts = [], [], []
    for run in _read_runs(roots, table, docs, table.prefetch_documents, read_batch):
        found = dedup.document_cluster(view, docs[run].tolist(), table.document, known)
        kinds.append(RECORD)
        numbers.append(int(roots[run.start]))
        texts.append(json.dumps(found.cluster.to_json(), ensure_ascii=False))
        for doc, kept in found.copies.items():
            kinds.append(COPY)
            numbers.append(doc)
            texts.append(kept)
        for doc, flags in found.flags.items():
            kinds.append(FLAGS)
            numbers.append(doc)
            texts.append(json.dumps([f.to_json() for f in flags], ensure_ascii=False))
    return {"kind": np.array(kinds, dtype=np.int64), "number": np.array(numbers, dtype=np.int64),
            "text": np.array(texts, dtype=object)}


def paragraph_clusters(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                       read_batch: int) -> dict:
    """The record of each paragraph group of ``group`` (columns ``root``: the group's
    smallest paragraph, ``item``: a member, ``doc``: its document, ``family``: the smallest
    document of that document's cluster) that reaches beyond one family (``number``: the
    root; ``text``: the record as JSON, without its id)
    (:meth:`~newsclean.dedup.Deduplicator.paragraph_cluster`)."""
    order = np.argsort(group["root"], kind="stable")
    roots, items = group["root"][order], group["item"][order]
    family = dict(zip(group["doc"].tolist(), group["family"].tolist()))
    table = ShardTable(reader, bases)
    view, dedup = View(table), Deduplicator(options)
    numbers, texts = [], []
    for run in _read_runs(roots, table, items, table.prefetch, read_batch):
        found = dedup.paragraph_cluster(view, items[run].tolist(), family.__getitem__, table.document)
        if found is not None:
            numbers.append(int(roots[run.start]))
            texts.append(json.dumps(found.to_json(), ensure_ascii=False))
    return {"number": np.array(numbers, dtype=np.int64), "text": np.array(texts, dtype=object)}


def numbered(texts: Iterable[str], level: str) -> Iterator[dict]:
    """The records of clusters (JSON ``texts``, as the tasks give them, in order), each with
    its id: ``d1``, ``d2``, … at the ``level`` ``d``.

    >>> list(numbered(['{"cluster": "", "level": "document"}'], "d"))
    [{'cluster': 'd1', 'level': 'document'}]
    """
    for n, text in enumerate(texts, start=1):
        record = json.loads(text)
        record["cluster"] = f"{level}{n}"
        yield record


def flags_of(rows: Iterable[tuple[int, str]]) -> Iterator[tuple[int, list[Flag]]]:
    """``(document, flags)`` from the ``FLAGS`` rows of :func:`document_clusters`."""
    return ((d, [Flag.from_json(f) for f in json.loads(text)]) for d, text in rows)


def runs(keys: np.ndarray) -> list[slice]:
    """Slices of the runs of equal values of the sorted ``keys``.

    >>> runs(np.array([3, 3, 5]))
    [slice(0, 2, None), slice(2, 3, None)]
    """
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
    ends = np.append(starts[1:], len(keys))
    return [slice(int(a), int(b)) for a, b in zip(starts, ends)]


def _read_runs(roots: np.ndarray, table: ShardTable, members: np.ndarray, prefetch,
               read_batch: int) -> Iterator[slice]:
    """The runs of ``roots`` (groups), each one's ``members`` read into ``table`` by
    ``prefetch`` a batch of runs (about ``read_batch`` members) at a time, the batch before
    forgotten."""
    found = runs(roots)
    for batch in read_batches([run.stop - run.start for run in found], read_batch):
        table.forget()
        prefetch(members[found[batch.start].start:found[batch.stop - 1].stop].tolist())
        yield from (found[n] for n in batch)
