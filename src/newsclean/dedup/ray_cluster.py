"""The ``cluster`` stage on Ray Data: the driver holds no pair, no group and no cluster.

On one machine the driver runs union-find over every verified pair and builds
every cluster (:meth:`~newsclean.dedup.Deduplicator.cluster`).  Here each step
is a shuffle, and each group of a shuffle goes to one of the tasks of
:mod:`~newsclean.dedup.group_tasks` (which the local engine maps over its workers),
each calling the per-group methods of the :class:`~newsclean.dedup.Deduplicator`:

1. the verified paragraph pairs (:func:`~newsclean.dedup.band_shuffle.pair_dataset`);
2. their connected components (:func:`~newsclean.dedup.components.components`):
   each paragraph's group is named by its smallest member;
3. by shard: each paragraph's document, read from that shard's fingerprints;
4. by group: the candidate copies, pairs of the documents of each group
   (:meth:`~newsclean.dedup.Deduplicator.document_candidates`);
5. by pair: each candidate verified once on the documents' keys
   (:meth:`~newsclean.dedup.Deduplicator.document_similarities`);
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
import time
from typing import Iterator

import numpy as np

from ..names import CLUSTER
from . import band_shuffle, shard_table
from .cluster import Clustering
from .components import components
from .deduplicator import Deduplicator
from .group_tasks import (COPY, FLAGS, RECORD, copies_among, document_candidates, document_clusters, flags_of, numbered,
                          paragraph_clusters)
from .prints import ShardReader
from .ray_groups import group_count, shuffle, where


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
        candidates = shuffle(owned, "root", groups, document_candidates, options=dedup.options).materialize()
        copies = shuffle(candidates, "a", group_count(candidates.count(), cpus), copies_among, **files).materialize()
        copied = copies.count()
        families = components(copies, group_count(copied, cpus)) if copied else None
        if families is not None:
            found = shuffle(families, "root", group_count(families.count(), cpus), document_clusters,
                            **files).materialize()
            doc_records, doc_copies, doc_flags = (where(found, "kind", kind, ["number", "text"]).materialize()
                                                  for kind in (RECORD, COPY, FLAGS))
        par_records = shuffle(_with_family(owned, families, groups), "root", groups,
                              paragraph_clusters, **files).materialize()
    clustering = Clustering(records=itertools.chain(numbered(_texts(doc_records), "d"),
                                                    numbered(_texts(par_records), "p")),
                            copies=_in_order(doc_copies),
                            levels={"document": _rows(doc_records), "paragraph": _rows(par_records)},
                            duplicates=_rows(doc_copies),
                            flags=flags_of(_in_order(doc_flags)))
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


def _texts(ds) -> Iterator[str]:
    """The ``text`` of the rows of ``ds`` (or of none), sorted by number."""
    return (text for _, text in _in_order(ds))


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
