"""The local engine: shards on every core of this machine.

With one worker, shards run in this process.  With more, they run in a pool of
worker processes (started by a fork server, so no lock held by a thread of
this process is copied into them), a bounded number of shards ahead of the
one being written, so memory does not grow with the input.  Results come back
in shard order whatever finishes first: the output does not depend on the
number of workers.

>>> from newsclean.document import Document
>>> from newsclean.job import RunOptions
>>> from newsclean.engine.shards import Shard
>>> results = LocalEngine(1).map(RunOptions(), iter([Shard(0, [Document("a", "临颍县")])]))
>>> [r.number for r in results]
[0]
"""
from __future__ import annotations

import itertools
import multiprocessing
import os
import threading
import time
import uuid
from collections import deque
from concurrent.futures import ProcessPoolExecutor
from typing import TYPE_CHECKING, Callable, Iterable, Iterator

from ..dedup.cluster import Clustering
from ..dedup.prints import PrintTable
from .shards import Shard, ShardResult, process_shard

if TYPE_CHECKING:
    from ..dedup import Deduplicator
    from ..dedup.archive import Archive
    from ..document import Document
    from ..job import RunOptions
    from .spool import Spool

#: Shards in flight for each worker: enough to keep every worker busy while results are
#: written, few enough to bound memory.
AHEAD = 2


def available_cpus() -> int:
    """CPUs this process may run on (a container's or a job's share, not the machine's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


class LocalEngine:
    """Run shards on this machine with ``workers`` processes (default: every CPU)."""

    name = "local"

    def __init__(self, workers: int | None = None):
        self.workers = workers or available_cpus()

    def __enter__(self) -> "LocalEngine":
        return self

    def __exit__(self, *exc) -> None:
        pass

    def process(self, options: "RunOptions", shards: Iterable[Shard], spool: "Spool") -> None:
        """:func:`process_shard` on each shard, each result saved to ``spool`` as it comes."""
        for result in self.map(options, shards):
            spool.save(result)

    def table(self, spool: "Spool", sizes: list, whole: bool) -> "PrintTable":
        """The fingerprints of the shards in ``spool`` (their :attr:`Prints.sizes` are
        ``sizes``) for the driver to cluster: every paragraph's, in memory, whatever ``whole``
        says, as the pair search here needs them."""
        return PrintTable.gather(sizes, spool.prints)

    def cluster(self, dedup: "Deduplicator", table: "PrintTable", document: Callable[[int], "Document"],
                archive: "Archive | None", spool: "Spool") -> Clustering:
        """The ``cluster`` stage, in this process: pairs found one band at a time, then
        union-find (:meth:`~newsclean.dedup.Deduplicator.cluster`)."""
        return Clustering.of(*dedup.cluster(table, document, archive))

    def map(self, options: "RunOptions", shards: Iterable[Shard]) -> Iterator[ShardResult]:
        """:func:`process_shard` on each shard, results in shard order.  A run of one shard
        runs here: starting workers would cost more than it saves."""
        shards, run = iter(shards), uuid.uuid4().hex
        head = list(itertools.islice(shards, 2))
        if self.workers == 1 or len(head) < 2:
            for shard in itertools.chain(head, shards):
                yield process_shard(options, shard, run)
            return
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["newsclean.engine.shards"])  # workers start with it imported
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_follow,
                                 initargs=(os.getpid(),)) as pool:
            pending: deque = deque()
            for shard in itertools.chain(head, shards):
                pending.append(pool.submit(process_shard, options, shard, run))
                if len(pending) >= AHEAD * self.workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()


def _follow(driver: int) -> None:
    """In a worker: exit when the driver process is gone.  A driver killed outright (SIGKILL,
    the OOM killer) cannot shut its pool down, and its workers, each holding the queue they
    wait on, would otherwise wait for ever."""
    def watch() -> None:
        while True:
            time.sleep(1)
            try:
                os.kill(driver, 0)
            except ProcessLookupError:
                os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
