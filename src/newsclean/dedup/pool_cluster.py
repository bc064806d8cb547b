"""The ``cluster`` stage on the local engine's workers: the driver groups, the workers work.

Each step of :mod:`~newsclean.dedup.ray_cluster` is a shuffle; here the driver
forms the groups itself, from arrays of numbers (candidate pairs from the band
hashes, union-find over verified pairs), and the local engine maps the tasks
of :mod:`~newsclean.dedup.group_tasks` over its workers, a slice of the rows
each:

1. the candidate pairs of paragraphs in different documents, verified on their keys;
2. the pairs of documents that share a group of verified paragraphs, judged on
   the documents' keys;
3. each document cluster's record, copies and lost starts;
4. each paragraph cluster's record.

Every key and text a task needs it reads from the run's work folder itself, so
what passes between the driver and the workers is numbers and finished records.
The tasks and the groups are those of :meth:`~newsclean.dedup.Deduplicator.cluster`,
and the engine yields results in order, so any number of workers gives the same
clusters, in the same order.
"""
from __future__ import annotations

import functools
import itertools
import time
from typing import Callable, Iterable, Iterator

import numpy as np

from ..names import CLUSTER
from . import shard_table
from .cluster import Clustering, UnionFind
from .deduplicator import Deduplicator
from .group_tasks import (COPY, FLAGS, RECORD, copies_among, document_clusters, flags_of, numbered,
                          paragraph_clusters, verified_pairs)
from .prints import PrintTable, ShardReader

#: Rows (pairs, or members of groups) a task takes at most: a task's result is a few arrays
#: of this length, and its reads are batched by :data:`~newsclean.dedup.shard_table.READ_BATCH`.
TASK_ROWS = 1 << 15
#: Tasks a step is cut into for each worker at least, when it has the rows: enough that a
#: worker finishing early takes another, few enough that each reads many keys at once.
TASKS_PER_WORKER = 4

Map = Callable[[Callable, Iterable], Iterator]


def cluster(dedup: Deduplicator, table: PrintTable, reader: ShardReader, run: Map, workers: int) -> Clustering:
    """Cluster the run whose fingerprints are ``table`` and whose shards ``reader`` reads,
    each step's tasks mapped by ``run`` (an engine's ``map``) over ``workers``; sets
    ``dedup.stats["cluster"]`` as :meth:`~newsclean.dedup.Deduplicator.cluster` does.

    >>> import tempfile, pathlib
    >>> from newsclean.document import Document
    >>> from newsclean.options import RunOptions
    >>> from newsclean.shards import Shard, process_shard
    >>> from newsclean.spool import Spool
    >>> spool = Spool.open(pathlib.Path(tempfile.mkdtemp()), {}, resume=False)
    >>> story = "近年来，临颍县始终坚持围绕发展抓党建、抓好党建促发展的理念，全面提升了全县基层党建水平。"
    >>> for n, text in enumerate(["临颍县\\n" + story, "臨潁縣\\n" + story, "舞阳县强力实施基层党建助力脱贫攻坚工程。"]):
    ...     spool.save(process_shard(RunOptions(), Shard(n, [Document(f"d{n}", text)])))
    >>> table = PrintTable.gather([spool.summary(n)[2] for n in range(3)], spool.prints)
    >>> found = cluster(Deduplicator(), table, spool, map, workers=1)
    >>> [(r["cluster"], [m["id"] for m in r["members"]]) for r in found.records], list(found.copies)
    ([('d1', ['d0', 'd1'])], [(1, 'd0')])
    """
    start = time.perf_counter()
    files = _files(dedup, table, reader)
    pairs = similar_pairs(dedup, table, reader, run, workers)
    paragraph_groups = UnionFind.of(pairs).groups()
    candidates = np.array(sorted({pair for group in paragraph_groups
                                  for pair in dedup.document_candidates(table.item_doc[group].tolist())}),
                          dtype=np.int64).reshape(-1, 2)
    copies_found = _concat(run(functools.partial(copies_among, **files),
                               ({"a": chunk[:, 0], "b": chunk[:, 1]} for chunk in _slices(candidates, workers))))
    doc_groups = UnionFind.of(zip(copies_found["a"].tolist(), copies_found["b"].tolist())).groups() if copies_found else []
    rows = _concat(run(functools.partial(document_clusters, **files), _group_tasks(doc_groups, "node", workers)))
    family = {d: group[0] for group in doc_groups for d in group}

    def families(items: np.ndarray) -> dict:
        docs = table.item_doc[items].astype(np.int64)
        return {"doc": docs, "family": np.array([family.get(d, d) for d in docs.tolist()], dtype=np.int64)}

    heads = _concat(run(functools.partial(paragraph_clusters, **files),
                        _group_tasks(paragraph_groups, "item", workers, families)))
    doc_records, par_records = _kind(rows, RECORD), heads.get("text", [])
    copies, flags = _kind(rows, COPY, by_number=True), _kind(rows, FLAGS, by_number=True)
    clustering = Clustering(records=itertools.chain(numbered(doc_records, "d"), numbered(par_records, "p")),
                            copies=copies, levels={"document": len(doc_records), "paragraph": len(par_records)},
                            duplicates=len(copies), flags=flags_of(flags))
    stats = dedup.stats[CLUSTER]
    stats.documents, stats.seconds = table.documents, time.perf_counter() - start
    stats.counts = {"verified_pairs": len(pairs), "archived_matches": 0, "document_clusters": len(doc_records),
                    "paragraph_clusters": len(par_records)}
    return clustering


def similar_pairs(dedup: Deduplicator, table: PrintTable, reader: ShardReader, run: Map,
                  workers: int) -> dict[tuple[int, int], float]:
    """:meth:`~newsclean.dedup.Deduplicator.similar_pairs`, verified on the workers (for an
    archive run, which builds its clusters in the driver)."""
    found = _concat(run(functools.partial(verified_pairs, **_files(dedup, table, reader)),
                        ({"pair": chunk} for chunk in _slices(_packed(dedup.candidates(table)), workers))))
    pairs = dict(zip(zip(found["a"].tolist(), found["b"].tolist()), found["similarity"].tolist())) if found else {}
    pairs.update(dedup.equal_short_keys(table))
    return dict(sorted(pairs.items()))


def _packed(pairs: np.ndarray) -> np.ndarray:
    """Pairs packed as ``a << 32 | b``, the column :func:`~newsclean.dedup.group_tasks.verified_pairs` takes."""
    return (pairs[:, 0] << np.int64(32)) | pairs[:, 1]


def _files(dedup: Deduplicator, table: PrintTable, reader: ShardReader) -> dict:
    """What every task is given besides its rows."""
    return dict(reader=reader, bases=table.shard_bases, options=dedup.options, read_batch=shard_table.READ_BATCH)


def _task_rows(rows: int, workers: int) -> int:
    """Rows a task of a step of ``rows`` rows takes: :data:`TASKS_PER_WORKER` tasks for each
    of ``workers`` at least (rows allowing), :data:`TASK_ROWS` rows at most.

    >>> _task_rows(100, 2), _task_rows(10 ** 9, 2)
    (13, 32768)
    """
    return min(TASK_ROWS, max(1, -(-rows // (TASKS_PER_WORKER * workers))))


def _slices(rows: np.ndarray, workers: int) -> Iterator[np.ndarray]:
    """``rows`` in consecutive slices of :func:`_task_rows` rows."""
    size = _task_rows(len(rows), workers)
    return (rows[n:n + size] for n in range(0, len(rows), size))


def _group_tasks(groups: list[list[int]], member: str, workers: int, columns=lambda members: {}) -> Iterator[dict]:
    """Tasks of whole ``groups`` (each sorted), about :func:`_task_rows` members each: a
    ``root`` column (a member's group's smallest), a ``member`` column, and the ``columns``
    the members give."""
    sizes = [len(g) for g in groups]
    for batch in shard_table.read_batches(sizes, _task_rows(sum(sizes), workers)):
        chosen = groups[batch.start:batch.stop]
        members = np.array([m for g in chosen for m in g], dtype=np.int64)
        roots = np.repeat([g[0] for g in chosen], sizes[batch.start:batch.stop]).astype(np.int64)
        yield {"root": roots, member: members, **columns(members)}


def _concat(results: Iterable[dict]) -> dict:
    """The columns of the tasks' results, joined in order ({} if there were none)."""
    results = [r for r in results if len(next(iter(r.values()), []))]
    return {name: np.concatenate([r[name] for r in results]) for name in results[0]} if results else {}


def _kind(rows: dict, kind: int, by_number: bool = False) -> list:
    """The ``text`` of the rows of :func:`~newsclean.dedup.group_tasks.document_clusters` of
    ``kind``, in task order; or ``(number, text)`` sorted by number."""
    if not rows:
        return []
    chosen = rows["kind"] == kind
    if not by_number:
        return rows["text"][chosen].tolist()
    numbers, texts = rows["number"][chosen], rows["text"][chosen]
    order = np.argsort(numbers, kind="stable")
    return list(zip(numbers[order].tolist(), texts[order].tolist()))
