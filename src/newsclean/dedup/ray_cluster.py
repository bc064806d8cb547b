"""The ``cluster`` stage on Ray Data: the driver holds no pair, no group and no cluster.

On one machine the driver runs union-find over every verified pair and builds
every cluster (:meth:`~newsclean.dedup.Deduplicator.cluster`).  Here each step
is a shuffle, and each group of a shuffle calls the same per-group methods of
the :class:`~newsclean.dedup.Deduplicator`:

1. the verified paragraph pairs (:func:`~newsclean.dedup.band_shuffle.pair_dataset`);
2. their connected components (:func:`~newsclean.dedup.components.components`):
   each paragraph's group is named by its smallest member;
3. by shard: each paragraph's document, read from that shard's fingerprints;
4. by group: the candidate copies, pairs of the documents of each group
   (:meth:`~newsclean.dedup.Deduplicator.document_candidates`);
5. by pair: each candidate verified once on the documents' keys
   (:meth:`~newsclean.dedup.Deduplicator.document_similarity`);
6. the connected components of the copies: the document clusters;
7. by document cluster: the cluster's record, its copies and the lost starts its
   copies show (:meth:`~newsclean.dedup.Deduplicator.document_cluster`);
8. by document, then by paragraph group: each paragraph's document cluster
   (its family), then the paragraph clusters that reach beyond one family
   (:meth:`~newsclean.dedup.Deduplicator.paragraph_cluster`).

Members' texts are read by the tasks through the run's
:class:`~newsclean.dedup.prints.ShardReader`.  The driver then
streams the records, sorted by each cluster's smallest member, and the copies and
flags, sorted by document, as :class:`~newsclean.dedup.cluster.Clustering` wants them:
the same clusters, in the same order, as on one machine.
"""
from __future__ import annotations

import itertools
import json
import time
from typing import Iterator

import numpy as np

from ..document import Flag
from ..names import CLUSTER
from . import band_shuffle, shard_table
from .cluster import Clustering
from .components import components
from .deduplicator import DedupOptions, Deduplicator, View
from .prints import ShardReader
from .ray_groups import group_count, pair_columns, shuffle, where
from .shard_table import ShardTable, read_batches

#: ``kind`` of the rows of step 7.
RECORD, COPY, FLAGS = 0, 1, 2


def cluster(dedup: Deduplicator, reader: ShardReader, bases: np.ndarray, cpus: int) -> Clustering:
    """Cluster the run whose shards ``reader`` reads (numbered by ``bases``) on the Ray that is
    running; see the module docstring.  Sets ``dedup.stats["cluster"]`` as
    :meth:`~newsclean.dedup.Deduplicator.cluster` does."""
    start = time.perf_counter()
    files = dict(reader=reader, bases=bases, options=dedup.options, read_batch=shard_table.READ_BATCH)
    pairs = band_shuffle.pair_dataset(reader, bases, dedup.options, cpus).materialize() \
        if bases[-1, 1] >= 2 else None
    verified = pairs.count() if pairs is not None else 0
    doc_records = doc_copies = doc_flags = par_records = None
    if verified:
        groups = group_count(verified, cpus)
        labels = components(pairs.select_columns(["a", "b"]), groups)
        owned = shuffle(labels.map_batches(_with_shard, batch_format="numpy", fn_kwargs=dict(bases=bases)),
                        "shard", groups, _owners, reader=reader, bases=bases).materialize()
        candidates = shuffle(owned, "root", groups, _candidates, options=dedup.options).materialize()
        copies = shuffle(candidates, "a", group_count(candidates.count(), cpus), _verify_documents,
                         **files).materialize()
        copied = copies.count()
        families = components(copies, group_count(copied, cpus)) if copied else None
        if families is not None:
            found = shuffle(families, "root", group_count(families.count(), cpus), _document_clusters,
                            **files).materialize()
            doc_records, doc_copies, doc_flags = (where(found, "kind", kind, ["number", "text"]).materialize()
                                                  for kind in (RECORD, COPY, FLAGS))
        par_records = shuffle(_with_family(owned, families, groups), "root", groups,
                              _paragraph_clusters, **files).materialize()
    clustering = Clustering(records=itertools.chain(_records(doc_records, "d"), _records(par_records, "p")),
                            copies=_in_order(doc_copies),
                            levels={"document": _rows(doc_records), "paragraph": _rows(par_records)},
                            duplicates=_rows(doc_copies),
                            flags=((d, [Flag.from_json(f) for f in json.loads(text)])
                                   for d, text in _in_order(doc_flags)))
    stats = dedup.stats[CLUSTER]
    stats.documents, stats.seconds = int(bases[-1, 0]), time.perf_counter() - start
    stats.counts = {"verified_pairs": verified, "archived_matches": 0,
                    "document_clusters": clustering.levels["document"],
                    "paragraph_clusters": clustering.levels["paragraph"]}
    return clustering


def _rows(ds) -> int:
    return ds.count() if ds is not None else 0


def _in_order(ds) -> Iterator[tuple[int, str]]:
    """``(number, text)`` of the rows of ``ds`` (or of none), sorted by number, streamed."""
    if not _rows(ds):  # an empty dataset has no column to sort on
        return
    for batch in ds.sort("number").iter_batches(batch_format="numpy"):
        yield from zip(batch["number"].tolist(), batch["text"].tolist())


def _records(ds, level: str) -> Iterator[dict]:
    """The records of the clusters of ``ds`` in order, each with its id (``d1``, ``p1``, …)."""
    for n, (_, text) in enumerate(_in_order(ds), start=1):
        record = json.loads(text)
        record["cluster"] = f"{level}{n}"
        yield record


def _runs(keys: np.ndarray) -> list[slice]:
    """Slices of the runs of equal values of the sorted ``keys``."""
    starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if len(keys) else keys
    ends = np.append(starts[1:], len(keys))
    return [slice(int(a), int(b)) for a, b in zip(starts, ends)]


def _read_runs(roots: np.ndarray, table: ShardTable, members: np.ndarray, prefetch,
               read_batch: int) -> Iterator[slice]:
    """The runs of ``roots`` (groups), each one's ``members`` read into ``table`` by
    ``prefetch`` a batch of runs (about ``read_batch`` members) at a time, the batch before
    forgotten."""
    runs = _runs(roots)
    for batch in read_batches([run.stop - run.start for run in runs], read_batch):
        table.forget()
        prefetch(members[runs[batch.start].start:runs[batch.stop - 1].stop].tolist())
        yield from (runs[n] for n in batch)


def _with_shard(batch: dict, bases: np.ndarray) -> dict:
    """Step 3's key: the shard of each paragraph."""
    return {**batch, "shard": np.searchsorted(bases[:, 1], batch["node"], side="right") - 1}


def _owners(group: dict, reader: ShardReader, bases: np.ndarray) -> dict:
    """Step 3: each paragraph (``item``) of a group (``root``) with its document, read from
    its shard's fingerprints (each shard of the group once)."""
    items = group["node"]
    shards = np.searchsorted(bases[:, 1], items, side="right") - 1
    docs = np.zeros(len(items), dtype=np.int64)
    for shard in np.unique(shards).tolist():
        here = shards == shard
        docs[here] = reader.prints(shard).item_doc[items[here] - bases[shard, 1]] + bases[shard, 0]
    return {"root": group["root"], "item": items, "doc": docs}


def _candidates(group: dict, options: DedupOptions) -> dict:
    """Step 4: the pairs of documents of each paragraph group."""
    order = np.argsort(group["root"], kind="stable")
    roots, docs = group["root"][order], group["doc"][order]
    dedup = Deduplicator(options)
    return pair_columns([pair for run in _runs(roots) for pair in dedup.document_candidates(docs[run].tolist())])


def _verify_documents(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                      read_batch: int) -> dict:
    """Step 5: the distinct candidate pairs whose documents are copies."""
    pairs = np.unique(np.stack([group["a"], group["b"]], axis=1), axis=0).tolist()
    table = ShardTable(reader, bases)
    view, dedup = View(table), Deduplicator(options)
    found = []
    for batch in read_batches([2] * len(pairs), read_batch):
        table.forget()
        table.prefetch_documents(d for n in batch for d in pairs[n])
        found += [pairs[n] for n in batch if dedup.document_similarity(view, *pairs[n]) is not None]
    return pair_columns(found)


def _document_clusters(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                       read_batch: int) -> dict:
    """Step 7: each document cluster's record (``number``: its smallest document), its
    copies (``number``: the copy; ``text``: the id of the document kept) and the flags its
    copies give away (``number``: the document; ``text``: the flags as JSON)."""
    order = np.argsort(group["root"], kind="stable")
    roots, docs = group["root"][order], group["node"][order]
    table = ShardTable(reader, bases)
    view, dedup = View(table), Deduplicator(options)
    kinds, numbers, texts = [], [], []
    for run in _read_runs(roots, table, docs, table.prefetch_documents, read_batch):
        found = dedup.document_cluster(view, docs[run].tolist(), table.document)
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


def _with_family(owned, families, groups: int):
    """Step 8, first shuffle: the paragraphs of ``owned`` with the smallest document of their
    document's cluster (``family``), or the document itself when it has no copy."""
    rows = owned.map_batches(_as_family_rows, batch_format="numpy")
    if families is None:
        return rows.map_batches(_attach_family, batch_format="numpy")
    heads = families.map_batches(_as_family_heads, batch_format="numpy")
    return shuffle(rows.union(heads), "doc", groups, _attach_family)


def _as_family_rows(batch: dict) -> dict:
    none = np.full(len(batch["doc"]), -1, dtype=np.int64)
    return {"doc": batch["doc"], "root": batch["root"], "item": batch["item"], "family": none}


def _as_family_heads(batch: dict) -> dict:
    """A document cluster's member (``node``) as a row giving its family (``root``)."""
    none = np.full(len(batch["node"]), -1, dtype=np.int64)
    return {"doc": batch["node"], "root": none, "item": none, "family": batch["root"]}


def _attach_family(group: dict) -> dict:
    """Each paragraph row of ``group`` with its document's family, from the heads among the
    rows, or the document itself."""
    is_head = group["item"] < 0
    family = dict(zip(group["doc"][is_head].tolist(), group["family"][is_head].tolist()))
    rows = ~is_head
    docs = group["doc"][rows]
    return {"root": group["root"][rows], "item": group["item"][rows], "doc": docs,
            "family": np.array([family.get(d, d) for d in docs.tolist()], dtype=np.int64)}


def _paragraph_clusters(group: dict, reader: ShardReader, bases: np.ndarray, options: DedupOptions,
                        read_batch: int) -> dict:
    """Step 8: the record of each paragraph group that reaches beyond one family
    (``number``: the group's smallest paragraph)."""
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
