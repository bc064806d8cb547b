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

#: The steps above: each maps its tasks over the workers once (a progress bar counts them).
STEPS = 4

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
    steps = _Steps(dedup, table, reader, run, workers)
    pairs = steps.similar_pairs()
    paragraph_groups = UnionFind.of(pairs).groups()
    copies = steps.copies(paragraph_groups)
    doc_groups = UnionFind.of(zip(copies["a"].tolist(), copies["b"].tolist())).groups() if copies else []
    rows = steps.document_clusters(doc_groups, copies)
    doc_records, par_records = _kind(rows, RECORD), steps.paragraph_clusters(paragraph_groups, doc_groups)
    found, flags = _kind(rows, COPY, by_number=True), _kind(rows, FLAGS, by_number=True)
    stats = dedup.stats[CLUSTER]
    stats.documents, stats.seconds = table.documents, time.perf_counter() - start
    stats.counts = {"verified_pairs": len(pairs), "archived_matches": 0, "document_clusters": len(doc_records),
                    "paragraph_clusters": len(par_records)}
    return Clustering(records=itertools.chain(numbered(doc_records, "d"), numbered(par_records, "p")),
                      copies=found, levels={"document": len(doc_records), "paragraph": len(par_records)},
                      duplicates=len(found), flags=flags_of(flags))


def similar_pairs(dedup: Deduplicator, table: PrintTable, reader: ShardReader, run: Map,
                  workers: int) -> dict[tuple[int, int], float]:
    """:meth:`~newsclean.dedup.Deduplicator.similar_pairs`, verified on the workers (for an
    archive run, which builds its clusters in the driver)."""
    return _Steps(dedup, table, reader, run, workers).similar_pairs()


class _Steps:
    """The steps of the cluster stage, each forming its tasks here and mapping them with
    ``run`` over ``workers``."""

    def __init__(self, dedup: Deduplicator, table: PrintTable, reader: ShardReader, run: Map, workers: int):
        self.dedup, self.table, self.run, self.workers = dedup, table, run, workers
        self.given = dict(reader=reader, bases=table.shard_bases, options=dedup.options,
                          read_batch=shard_table.READ_BATCH)

    def similar_pairs(self) -> dict[tuple[int, int], float]:
        """The verified pairs of items (``a < b``), in order, with their Jaccards."""
        candidates = self.dedup.candidates(self.table)
        packed = (candidates[:, 0] << np.int64(32)) | candidates[:, 1]
        found = self._map(verified_pairs, ({"pair": chunk} for chunk in self._slices(packed)))
        pairs = dict(zip(zip(found["a"].tolist(), found["b"].tolist()), found["similarity"].tolist())) if found else {}
        pairs.update(self.dedup.equal_short_keys(self.table))
        return dict(sorted(pairs.items()))

    def copies(self, paragraph_groups: list[list[int]]) -> dict:
        """The pairs of documents that share a group of paragraphs and are copies (columns
        ``a``, ``b``, ``similarity``)."""
        candidates = sorted({pair for group in paragraph_groups
                             for pair in self.dedup.document_candidates(self.table.item_doc[group].tolist())})
        pairs = np.array(candidates, dtype=np.int64).reshape(-1, 2)
        return self._map(copies_among, ({"a": chunk[:, 0], "b": chunk[:, 1]} for chunk in self._slices(pairs)))

    def document_clusters(self, groups: list[list[int]], copies: dict) -> dict:
        """The rows of :func:`~newsclean.dedup.group_tasks.document_clusters` for the
        document ``groups``, each task given the Jaccards of ``copies`` among its documents."""
        rows_from: dict[int, list[int]] = {}  # each pair's row in copies, by its first document
        for row, a in enumerate(copies["a"].tolist() if copies else []):
            rows_from.setdefault(a, []).append(row)

        def known(docs: np.ndarray) -> dict:
            rows = np.array([row for d in docs.tolist() for row in rows_from.get(d, [])], dtype=np.int64)
            return {name: copies[name][rows] for name in ("a", "b", "similarity")} if copies else {}

        return self._map(document_clusters, self._group_tasks(groups, "node", known))

    def paragraph_clusters(self, groups: list[list[int]], doc_groups: list[list[int]]) -> list[str]:
        """The records (JSON) of the paragraph ``groups`` that reach beyond one family of
        documents (a document cluster of ``doc_groups``), in order."""
        family = {d: group[0] for group in doc_groups for d in group}

        def families(items: np.ndarray) -> dict:
            docs = self.table.item_doc[items].astype(np.int64)
            return {"doc": docs, "family": np.array([family.get(d, d) for d in docs.tolist()], dtype=np.int64)}

        return self._map(paragraph_clusters, self._group_tasks(groups, "item", families)).get("text", np.array([])).tolist()

    def _map(self, task: Callable, groups: Iterable[dict]) -> dict:
        """``task`` on each of ``groups`` on the workers, the columns of the results joined in
        order ({} if there were none)."""
        results = [r for r in self.run(functools.partial(task, **self.given), groups)
                   if len(next(iter(r.values()), []))]
        return {name: np.concatenate([r[name] for r in results]) for name in results[0]} if results else {}

    def _slices(self, rows: np.ndarray) -> Iterator[np.ndarray]:
        """``rows`` in consecutive slices of :func:`_task_rows` rows."""
        size = _task_rows(len(rows), self.workers)
        return (rows[n:n + size] for n in range(0, len(rows), size))

    def _group_tasks(self, groups: list[list[int]], member: str, columns: Callable[[np.ndarray], dict]) -> Iterator[dict]:
        """Tasks of whole ``groups`` (each sorted), about :func:`_task_rows` members each: a
        ``root`` column (a member's group's smallest), a ``member`` column, and the ``columns``
        the members give."""
        sizes = [len(g) for g in groups]
        for batch in shard_table.read_batches(sizes, _task_rows(sum(sizes), self.workers)):
            chosen = groups[batch.start:batch.stop]
            members = np.array([m for g in chosen for m in g], dtype=np.int64)
            roots = np.repeat([g[0] for g in chosen], sizes[batch.start:batch.stop]).astype(np.int64)
            yield {"root": roots, member: members, **columns(members)}


def _task_rows(rows: int, workers: int) -> int:
    """Rows a task of a step of ``rows`` rows takes: :data:`TASKS_PER_WORKER` tasks for each
    of ``workers`` at least (rows allowing), :data:`TASK_ROWS` rows at most.

    >>> _task_rows(100, 2), _task_rows(10 ** 9, 2)
    (13, 32768)
    """
    return min(TASK_ROWS, max(1, -(-rows // (TASKS_PER_WORKER * workers))))


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
